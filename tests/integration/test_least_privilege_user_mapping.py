"""playbooks/user_mapping.yml with only policies/user_mapping.json, under IAM enforcement (least_privilege_support)."""

import os

from least_privilege_support import caller_env
from least_privilege_support import iam_enforced
from least_privilege_support import load_policy
from least_privilege_support import runner_inventory
from least_privilege_support import unauthorized
from user_mapping_support import map_users
from user_mapping_support import mapping_rows
from user_mapping_support import seed_roles
from user_mapping_support import workdir


def test_the_shipped_policy_is_enough_under_iam_enforcement(sandbox, new_org):
    org = new_org(members=0)
    seed_roles(org)
    cwd = workdir(org)
    policy = load_policy("user_mapping")
    inventory = runner_inventory(org, os.path.join(org.directory, "lp"), "user_mapping", policy)

    env = caller_env(sandbox)

    with iam_enforced(sandbox):
        run = map_users(org, cwd, inventory=inventory, env=env)
        calls = sandbox.calls()

    assert run.ok, run.log
    assert unauthorized(policy, [c for c in calls if c["account_id"] == org.partnercentral]) == []
    assert mapping_rows(cwd)["drew@example.com"]["iam_role"] == "PartnerCentralRoleForAllianceLead"
