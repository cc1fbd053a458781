"""playbooks/user_mapping.yml when IAM throttles and fails its reads (faults_support): the same mapping."""

from faults_support import injected
from user_mapping_support import EXPECTED
from user_mapping_support import map_users
from user_mapping_support import mapping_rows
from user_mapping_support import seed_roles
from user_mapping_support import workdir


def test_the_mapping_is_the_same_when_aws_throttles_and_fails(sandbox, new_org, faults):
    org = new_org(members=0)
    seed_roles(org)
    cwd = workdir(org)
    # Half of the role reads throttled or failing: the module's back-off must carry every one through.
    faults(seed=11, throttle=0.4, server_error=0.1, services=["iam"], operations=["GetRole", "ListRoles"])

    run = map_users(org, cwd)

    assert run.ok, run.log
    assert injected(sandbox), "no fault was injected: the test proves nothing"
    faults()
    rows = mapping_rows(cwd)
    assert {email: (r["status"], r["action"], r["iam_role"]) for email, r in rows.items()} == EXPECTED
