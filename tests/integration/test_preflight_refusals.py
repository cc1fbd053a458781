"""playbooks/preflight.yml refusing an organization with many problems at once, in ONE run (split from
test_preflight.py, whose helpers these are).

The Partner Central account is on the Free plan, its root user has no MFA, its trail is not logging, a persona
asks for a managed policy that does not exist, and its AWS Config recorder is stopped (a finding that does not
block); the management host's credentials belong to another account. Every problem must be reported, each with
its cause and remedy, in the output and in the JSON report, and the run must fail without a write call. The
verdicts of each module, one cause at a time (and the management account as the Partner Central account), are
test_preflight_modules.py's, in the test's process.
"""

from dataclasses import dataclass

import pytest
from integration_support import DEFAULT_ACCOUNT_ID
from integration_support import assume_role_arn
from integration_support import aws_client
from integration_support import set_state
from integration_support import write_calls
from preflight.support import MEMBER_HOST
from preflight.support import TRAIL
from preflight.support import PreflightOrg
from preflight.support import PreflightRun
from preflight.support import make_org
from test_preflight import MANAGEMENT_HOST
from test_preflight import PC_HOST
from test_preflight import SCHEMA
from test_preflight import blocking_problems

MISSING_POLICY = "AWSPartnerCentralNoSuchPolicy"


@dataclass
class Refused:
    org: PreflightOrg
    run: PreflightRun
    calls: list


@pytest.fixture(scope="module")
def refused(sandbox, tmp_path_factory):
    """Everything wrong at once, and the one preflight run of it."""
    org = make_org(
        sandbox,
        tmp_path_factory.mktemp("refused"),
        # The management host's credentials reach the member account instead.
        management_vars=lambda pc, member: {
            "aws_account_id": DEFAULT_ACCOUNT_ID,
            "aws_assume_role_arn": assume_role_arn(member),
        },
    )
    set_state(sandbox, org.partnercentral, plan="FREE", root_mfa=False)
    aws_client(sandbox, "cloudtrail", org.partnercentral).stop_logging(Name=TRAIL)
    aws_client(sandbox, "config", org.partnercentral).stop_configuration_recorder(ConfigurationRecorderName="default")
    personas = {"personas_overrides": {"Finance": {"managed_policies": [MISSING_POLICY]}}}

    sandbox.reset_calls()
    run = org.preflight(extra_vars=personas)
    return Refused(org, run, sandbox.calls())


def test_the_run_fails_says_not_ready_and_writes_nothing(refused):
    run = refused.run

    assert run.run.returncode != 0, run.log
    assert run.run.changed == 0, run.log
    assert "NOT READY" in run.run.stdout
    assert not write_calls(refused.calls)
    SCHEMA.validate(run.report)
    assert run.report["ready"] is False and run.report["check_mode"] is False
    assert {a["host"]: a["verdict"] for a in run.report["accounts"]} == {
        MANAGEMENT_HOST: "unknown",
        PC_HOST: "not_ready",
    }
    assert "Preflight over the organization: 0 ready, 1 not ready, 1 unreachable, of 2 accounts" in run.run.stdout


def test_every_problem_of_the_partnercentral_account_is_refused_with_its_cause_and_remedy(refused):
    run, org = refused.run, refused.org
    causes = {
        "preflight.plan": "is on the Free plan",
        "preflight.managed_policies": f"1 managed policy not found in IAM: {MISSING_POLICY}",
        "baseline.root_mfa": "the root user has no MFA device",
        "baseline.cloudtrail": f"multi-region trail {TRAIL} is not logging",
    }

    account = run.account(PC_HOST)

    assert account["ready"] is False and account["verdict"] == "not_ready"
    problems = blocking_problems(account)
    assert set(problems) == set(causes), account["records"]
    for cause, words in causes.items():
        assert problems[cause]["status"] == "failed"
        assert words in problems[cause]["evidence"], problems[cause]
        assert problems[cause]["remedy"], problems[cause]
        assert words in run.run.output, run.log
    assert account["first_reason"].startswith(tuple(f"[{cause}]" for cause in causes))
    # Checked from its own side, it is still a member of the organization (the management host could not say).
    statuses = {r["id"]: r["status"] for r in account["records"]}
    assert statuses["preflight.account_id"] == statuses["preflight.membership"] == "verified"
    assert "preflight.organization_member" not in statuses
    assert account["account"] == org.partnercentral


def test_a_non_blocking_finding_is_reported_but_does_not_block(refused):
    run = refused.run

    (recorder,) = [r for r in run.account(PC_HOST)["records"] if r["id"] == "baseline.config_recorder"]

    assert recorder["status"] == "failed" and recorder["blocking"] is False
    assert "baseline.config_recorder" not in blocking_problems(run.account(PC_HOST))
    assert (
        "FAILED baseline.config_recorder (does not block): "
        "AWS Config recorder default exists in us-east-1 but is not recording"
    ) in run.run.stdout


def test_credentials_of_another_account_are_refused(refused):
    run, org = refused.run, refused.org

    account = run.account(MANAGEMENT_HOST)

    # Nothing else is checked with them: the account is unknown, never ready.
    assert account["ready"] is False and account["verdict"] == "unknown"
    assert list(blocking_problems(account)) == ["preflight.stopped"], account["records"]
    assert account["first_reason"].startswith("[preflight.stopped]")
    stopped = blocking_problems(account)["preflight.stopped"]
    assert stopped["evidence"].startswith(
        "Assume the account's role, or ask AWS whose credentials these are, and prove they are the host's account: "
    )
    # Refused from the inventory's values alone, before the role of the other account is assumed.
    refusal = f"is a role of account {org.member}, not of aws_account_id {DEFAULT_ACCOUNT_ID}"
    assert refusal in stopped["evidence"]
    assert stopped["remedy"]
    assert refusal in run.run.output, run.log
    assumed = [c.get("resource") for c in refused.calls if c["operation"] == "AssumeRole"]
    assert assume_role_arn(org.member) not in assumed, assumed
    assert MEMBER_HOST not in {a["host"] for a in run.report["accounts"]}
