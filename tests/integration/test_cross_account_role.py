"""diatonic.partnercentral.cross_account_role: a role another account assumes with an external ID."""

import json
import os
from types import SimpleNamespace

import pytest
from integration_support import ROOT
from integration_support import account_env
from integration_support import aws_policy_arn
from integration_support import policy_document
from integration_support import run_playbook
from integration_support import write_calls

PLAYBOOK = os.path.join(ROOT, "tests", "integration", "playbooks", "cross_account_role.yml")
NAME = "doitintl_cmp"
TRUSTED = "999988887777"
EXTERNAL_ID = "ext-Secret-4242"
BILLING = aws_policy_arn("AWSBillingReadOnlyAccess")


def expected_trust(trusted=TRUSTED, external_id=EXTERNAL_ID):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{trusted}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
            }
        ],
    }


@pytest.fixture
def account(new_org, sandbox, tmp_path):
    org = new_org(members=0)
    env = account_env(sandbox, org.partnercentral)

    def run(*args, **options):
        # An option given as None is left out of the module's arguments.
        merged = {"name": NAME, "trusted_account_id": TRUSTED, "external_id": EXTERNAL_ID, **options}
        merged = {key: value for key, value in merged.items() if value is not None}
        return run_playbook(sandbox, PLAYBOOK, *args, extra_vars={"role_options": merged}, env=env, tmp=tmp_path)

    return SimpleNamespace(iam=org.iam(org.partnercentral), run=run)


def test_create_previews_with_the_external_id_masked_then_applies_exactly_that_trust(sandbox, account):
    sandbox.reset_calls()
    preview = account.run("--check", "--diff", managed_policies=["AWSBillingReadOnlyAccess"])
    assert preview.ok, preview.log
    assert preview.changed == 1, preview.log
    assert write_calls(sandbox.calls()) == []
    assert f"arn:aws:iam::{TRUSTED}:root" in preview.stdout, "the diff should show who is trusted"
    assert EXTERNAL_ID not in preview.output, "the external ID must never be printed"

    applied = account.run(managed_policies=["AWSBillingReadOnlyAccess"])
    assert applied.ok, applied.log
    assert EXTERNAL_ID not in applied.output
    role = account.iam.get_role(RoleName=NAME)["Role"]
    assert policy_document(role["AssumeRolePolicyDocument"]) == expected_trust()
    attached = account.iam.list_attached_role_policies(RoleName=NAME)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [BILLING]

    sandbox.reset_calls()
    rerun = account.run(managed_policies=["AWSBillingReadOnlyAccess"])
    assert rerun.ok and rerun.changed == 0, rerun.log
    assert write_calls(sandbox.calls()) == []


def test_a_changed_external_id_is_previewed_then_put_back(sandbox, account):
    assert account.run().ok
    drifted = expected_trust(external_id="someone-elses-id")
    account.iam.update_assume_role_policy(RoleName=NAME, PolicyDocument=json.dumps(drifted))

    sandbox.reset_calls()
    preview = account.run("--check", "--diff")
    assert preview.ok and preview.changed == 1, preview.log
    assert write_calls(sandbox.calls()) == []

    assert account.run().ok
    role = account.iam.get_role(RoleName=NAME)["Role"]
    assert policy_document(role["AssumeRolePolicyDocument"]) == expected_trust()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"trusted_account_id": "99998888777"}, "trusted_account_id must be the trusted AWS account's 12-digit ID"),
        ({"external_id": "not valid!"}, "external_id must be 2 to 1224"),
        ({"external_id": None}, "external_id"),
        ({"name": "doit cmp"}, "must be at most 64 letters"),
    ],
    ids=["short account ID", "external ID with a space", "no external ID", "bad name"],
)
def test_bad_options_fail_before_any_aws_call(sandbox, account, options, message):
    sandbox.reset_calls()
    run = account.run(**options)
    assert not run.ok, run.log
    assert message in " ".join(run.failure_messages()), run.log
    assert sandbox.calls() == []


def test_absent_deletes_the_role_with_its_policies(sandbox, account):
    assert account.run(managed_policies=["AWSBillingReadOnlyAccess"]).ok
    removed = account.run(state="absent")
    assert removed.ok and removed.changed == 1, removed.log
    assert NAME not in [r["RoleName"] for r in account.iam.list_roles()["Roles"]]
