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
# The kind of inline policy DoiT publishes for doitintl_cmp (abridged).
CMP_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DoitCmpRead",
            "Effect": "Allow",
            "Action": ["ce:Get*", "cur:DescribeReportDefinitions", "organizations:List*"],
            "Resource": "*",
        }
    ],
}


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

    return SimpleNamespace(id=org.partnercentral, iam=org.iam(org.partnercentral), run=run)


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
    assert "someone-elses-id" not in preview.output, "an old external ID is a secret too"
    assert EXTERNAL_ID not in preview.output
    assert "(another external ID)" in preview.stdout, "the diff should say the external ID changes"

    assert account.run().ok
    role = account.iam.get_role(RoleName=NAME)["Role"]
    assert policy_document(role["AssumeRolePolicyDocument"]) == expected_trust()


def test_a_bad_option_fails_before_any_aws_call(sandbox, account):
    # One case of the module's own validation end to end; the rules themselves are unit-tested (test_cross_account).
    sandbox.reset_calls()
    run = account.run(external_id="not valid!")
    assert not run.ok, run.log
    assert "external_id must be 2 to 1224" in " ".join(run.failure_messages()), run.log
    assert "not valid!" not in run.output
    assert sandbox.calls() == []


def test_check_mode_on_a_fresh_account_shows_the_inline_policy_then_apply_puts_exactly_it(sandbox, account):
    options = {"managed_policies": ["AWSBillingReadOnlyAccess"], "inline_policies": {NAME: CMP_POLICY}}
    sandbox.reset_calls()

    preview = account.run("--check", "--diff", **options)

    assert preview.ok and preview.changed == 1, preview.log
    assert write_calls(sandbox.calls()) == []
    assert '"cur:DescribeReportDefinitions"' in preview.stdout, "the diff must show the inline policy it would put"
    assert '"DoitCmpRead"' in preview.stdout
    assert EXTERNAL_ID not in preview.output
    assert '"sts:ExternalId": "********"' in preview.stdout

    applied = account.run(**options)
    assert applied.ok and applied.changed == 1, applied.log
    document = account.iam.get_role_policy(RoleName=NAME, PolicyName=NAME)["PolicyDocument"]
    assert policy_document(document) == CMP_POLICY

    sandbox.reset_calls()
    rerun = account.run(**options)
    assert rerun.ok and rerun.changed == 0, rerun.log
    assert write_calls(sandbox.calls()) == []


def test_an_inline_policy_not_declared_is_reported_and_kept_unless_purged(account):
    assert account.run().ok
    account.iam.put_role_policy(RoleName=NAME, PolicyName="added-by-hand", PolicyDocument=json.dumps(CMP_POLICY))

    kept = account.run()
    assert kept.ok and kept.changed == 0, kept.log
    assert any(NAME in w and "added-by-hand" in w for w in kept.warnings()), kept.log
    assert account.iam.list_role_policies(RoleName=NAME)["PolicyNames"] == ["added-by-hand"]

    purged = account.run(purge_inline_policies=True)
    assert purged.ok and purged.changed == 1, purged.log
    assert account.iam.list_role_policies(RoleName=NAME)["PolicyNames"] == []


def test_a_misspelt_effect_in_the_inline_policy_is_refused_before_any_aws_call(sandbox, account):
    bad = {"Version": "2012-10-17", "Statement": [{"Effect": "Alow", "Action": "ce:Get*", "Resource": "*"}]}
    sandbox.reset_calls()

    run = account.run(inline_policies={NAME: bad})

    assert not run.ok, run.log
    assert "statement 1 has Effect 'Alow': Effect must be Allow or Deny" in " ".join(run.failure_messages()), run.log
    assert sandbox.calls() == []


def test_expected_account_id_of_another_account_refuses_with_no_write(sandbox, account):
    sandbox.reset_calls()

    run = account.run("--check", inline_policies={NAME: CMP_POLICY}, expected_account_id="111122223333")
    applied = account.run(inline_policies={NAME: CMP_POLICY}, expected_account_id="111122223333")

    assert not run.ok and not applied.ok, applied.log
    message = " ".join(applied.failure_messages())
    assert account.id in message and "111122223333" in message and "nothing was changed" in message
    assert write_calls(sandbox.calls()) == []
    assert NAME not in [role["RoleName"] for role in account.iam.list_roles()["Roles"]]


def test_absent_deletes_the_role_with_its_policies(sandbox, account):
    assert account.run(managed_policies=["AWSBillingReadOnlyAccess"]).ok
    removed = account.run(state="absent")
    assert removed.ok and removed.changed == 1, removed.log
    assert NAME not in [r["RoleName"] for r in account.iam.list_roles()["Roles"]]
