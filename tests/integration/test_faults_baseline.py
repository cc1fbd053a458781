"""The baseline's checks (security_baseline_info, run in the test's process as the baseline and preflight roles run
it) under injected faults: the same records as a fault-free run; a check AWS keeps throttling is unknown, never
failed (moved here from test_faults_preflight_throttled.py). How the playbooks wire their hosts together under
faults (credentials, reports) is test_faults_preflight.py's run; an account that is unknown, never ready, at the
playbook level is test_preflight_refusals.py's."""

from faults_support import BUSY_AWS
from faults_support import few_attempts_env
from faults_support import injected
from integration_support import account_env
from module_in_process import run_module
from preflight.support import make_org

# The baseline role's defaults (roles/baseline/defaults/main.yml).
OPTIONS = {"blocking": ["root_mfa", "cloudtrail"]}


def baseline(sandbox, accounts) -> dict:
    """Each account's records, by (account, id): their status and whether they block; and each account's verdict."""
    results = {}
    for account in accounts:
        env = account_env(sandbox, account)
        result = run_module("security_baseline_info", {**OPTIONS, "expected_account_id": account}, env)
        assert not result.get("failed"), result
        results[account] = result
    return results


def statuses(results: dict) -> dict:
    return {(r["account"], r["id"]): (r["status"], r["blocking"]) for res in results.values() for r in res["records"]}


def test_the_baseline_gives_the_same_records_under_throttling_and_server_errors(sandbox, tmp_path, faults):
    org = make_org(sandbox, tmp_path)  # the baseline in place in the Partner Central account only
    accounts = (org.partnercentral, org.member)
    calm = baseline(sandbox, accounts)
    faults(seed=37, **BUSY_AWS)

    busy = baseline(sandbox, accounts)

    assert injected(sandbox).get("throttle"), "no fault was injected: the test proves nothing"
    assert statuses(busy) == statuses(calm)
    assert "unknown" not in {status for status, _ in statuses(busy).values()}
    assert {a: r["verdict"] for a, r in busy.items()} == {a: r["verdict"] for a, r in calm.items()}
    # Both kinds of account: one meets the baseline, the other does not.
    assert busy[org.partnercentral]["verdict"] == "ready" and busy[org.member]["verdict"] == "not_ready"


def test_preflight_says_unknown_not_failed_when_aws_keeps_throttling_a_check(sandbox, tmp_path, faults):
    org = make_org(sandbox, tmp_path)
    faults(throttle=1.0, operations=["GetAccountSummary"])
    # Two attempts (AWS_MAX_ATTEMPTS) instead of the collection's eight: the same path, without its minute of waits.
    env = {
        **account_env(sandbox, org.partnercentral),
        "AWS_MAX_ATTEMPTS": few_attempts_env(sandbox)["AWS_MAX_ATTEMPTS"],
    }

    result = run_module("security_baseline_info", {**OPTIONS, "expected_account_id": org.partnercentral}, env)

    assert injected(sandbox).get("throttle"), "no fault was injected: the test proves nothing"
    assert not result.get("failed"), result
    assert result["ready"] is False and result["verdict"] == "unknown"
    records = {r["id"]: r for r in result["records"]}
    root_mfa = records["baseline.root_mfa"]
    assert root_mfa["status"] == "unknown" and root_mfa["blocking"] is True
    assert "throttl" in root_mfa["evidence"].lower(), root_mfa
    # The other checks were still made, and pass.
    assert {r["status"] for name, r in records.items() if name != "baseline.root_mfa"} == {"verified"}
