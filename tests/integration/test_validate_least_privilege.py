"""playbooks/validate.yml with nothing but policies/validate.json, under IAM enforcement, in an account whose
Partner Central refuses the credentials: every read IAM was asked for is allowed and scoped as the policy says, and
what Partner Central refused is unknown with the reason, never failed or verified.
"""

from integration_support import make_org
from integration_support import write_calls
from least_privilege_support import caller_env
from least_privilege_support import iam_enforced
from least_privilege_support import load_policy
from least_privilege_support import runner_inventory
from least_privilege_support import unauthorized
from standin_support import deny_partner_central
from validate_support import set_up_the_migrated_account
from validate_support import statuses
from validate_support import validate


def test_with_only_its_policy_and_partner_central_refusing_it_reports_unknown_never_failed(sandbox, tmp_path):
    org = make_org(sandbox, tmp_path, members=0)
    set_up_the_migrated_account(org, drift=False)
    deny_partner_central(sandbox, org.partnercentral)
    policy = load_policy("validate")
    inventory = runner_inventory(org, tmp_path / "lp", "validate", policy)
    env = caller_env(sandbox)

    with iam_enforced(sandbox):
        run, report = validate(org, inventory=inventory, env=env, name="least-privilege")
        calls = sandbox.calls()

    assert run.ok, run.log
    assert write_calls(calls) == []
    assert unauthorized(policy, calls) == []
    found = statuses(report, org.partnercentral)
    assert found["linking.partner"] == "unknown" and found["linking.alliance_lead"] == "unknown"
    partner = [r for r in report["records"] if r["id"] == "linking.partner"][0]
    assert partner["evidence"].startswith("could not check: access denied")
    # Everything IAM was asked for, the policy allowed: nothing else is unknown, and the rest is verified.
    assert [i for i, s in found.items() if s == "unknown"] == ["linking.partner", "linking.alliance_lead"], found
    for item in ("validation.persona_roles", "validation.persona_policies", "linking.cloud_admin_role"):
        assert found[item] == "verified", (item, report)
    assert found["validation.assume_role_denials"] == "verified"
