"""diatonic.partnercentral.cross_account_role: a role another account assumes with an external ID.

The module's behaviour (create, rerun, check mode, diff, drift, purge, absent, refusals) is tested with the module
run in the test's process (module_in_process: its real argument spec, AnsibleAWSModule, boto3 over HTTP to the
sandbox), reading the result it exits with. That the external ID never reaches ansible-playbook's output, a
``--diff`` included, is ansible-playbook's part (no_log) with the module's (masking in the diff): ONE playbook run
proves it (test_ansible_playbook_never_prints_an_external_id_in_a_check_mode_diff).
"""

import itertools
import json
import os
from types import SimpleNamespace

import pytest
from integration_support import ROOT
from integration_support import account_env
from integration_support import aws_policy_arn
from integration_support import make_org
from integration_support import policy_document
from integration_support import run_playbook
from integration_support import write_calls
from module_in_process import run_module
from module_in_process import warnings_of

PLAYBOOK = os.path.join(ROOT, "tests", "integration", "playbooks", "cross_account_role.yml")
NAME = "doitintl_cmp"
TRUSTED = "999988887777"
EXTERNAL_ID = "ext-Secret-4242"
OLD_EXTERNAL_ID = "someone-elses-id"
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
MASKED_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{TRUSTED}:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "********"}},
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


def shows_no_external_id(result) -> bool:
    text = json.dumps(result)
    return EXTERNAL_ID not in text and OLD_EXTERNAL_ID not in text


@pytest.fixture(scope="module")
def partner_account(sandbox, tmp_path_factory):
    """One new account for the file's tests (each test has a role of its own in it): its ID, env and IAM client."""
    org = make_org(sandbox, tmp_path_factory.mktemp("org"), members=0)
    return SimpleNamespace(
        id=org.partnercentral, env=account_env(sandbox, org.partnercentral), iam=org.iam(org.partnercentral)
    )


_roles = itertools.count(1)


@pytest.fixture
def account(partner_account):
    """The account, with ``name`` (a role name of this test's own) and ``run`` (the module's result for that role;
    an option given as None is left out of its arguments)."""
    name = f"{NAME}_{next(_roles)}"

    def run(check_mode=False, diff=False, **options):
        merged = {"name": name, "trusted_account_id": TRUSTED, "external_id": EXTERNAL_ID, **options}
        return run_module("cross_account_role", merged, partner_account.env, check_mode=check_mode, diff=diff)

    return SimpleNamespace(**vars(partner_account), name=name, run=run)


def succeeded(result) -> bool:
    return not result.get("failed")


def test_create_previews_with_the_external_id_masked_then_applies_exactly_that_trust(sandbox, account):
    sandbox.reset_calls()
    preview = account.run(check_mode=True, diff=True, managed_policies=["AWSBillingReadOnlyAccess"])
    assert succeeded(preview) and preview["changed"] is True, preview
    assert write_calls(sandbox.calls()) == []
    after = preview["diff"]["after"][account.name]
    assert after["trust_policy"] == MASKED_TRUST, "the diff should show who is trusted, with the external ID masked"
    assert shows_no_external_id(preview), "the external ID must never be returned"

    applied = account.run(managed_policies=["AWSBillingReadOnlyAccess"])
    assert succeeded(applied) and applied["changed"] is True, applied
    assert shows_no_external_id(applied)
    role = account.iam.get_role(RoleName=account.name)["Role"]
    assert policy_document(role["AssumeRolePolicyDocument"]) == expected_trust()
    attached = account.iam.list_attached_role_policies(RoleName=account.name)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [BILLING]

    sandbox.reset_calls()
    rerun = account.run(managed_policies=["AWSBillingReadOnlyAccess"])
    assert succeeded(rerun) and rerun["changed"] is False, rerun
    assert write_calls(sandbox.calls()) == []


def test_a_changed_external_id_is_previewed_then_put_back(sandbox, account):
    assert succeeded(account.run())
    drifted = expected_trust(external_id=OLD_EXTERNAL_ID)
    account.iam.update_assume_role_policy(RoleName=account.name, PolicyDocument=json.dumps(drifted))

    sandbox.reset_calls()
    preview = account.run(check_mode=True, diff=True)
    assert succeeded(preview) and preview["changed"] is True, preview
    assert write_calls(sandbox.calls()) == []
    assert shows_no_external_id(preview), "an old external ID is a secret too"
    before = preview["diff"]["before"][account.name]["trust_policy"]["Statement"][0]["Condition"]["StringEquals"]
    assert before == {"sts:ExternalId": "******** (another external ID)"}, "the diff should say the ID changes"

    repaired = account.run()
    assert succeeded(repaired) and repaired["changed"] is True, repaired
    role = account.iam.get_role(RoleName=account.name)["Role"]
    assert policy_document(role["AssumeRolePolicyDocument"]) == expected_trust()


def test_a_bad_option_fails_before_any_aws_call(sandbox, account):
    # One case of the module's own validation end to end; the rules themselves are unit-tested (test_cross_account).
    sandbox.reset_calls()
    result = account.run(external_id="not valid!")
    assert result["failed"] is True
    assert "external_id must be 2 to 1224" in result["msg"], result
    assert "not valid!" not in json.dumps(result)
    assert sandbox.calls() == []


def test_check_mode_on_a_fresh_account_shows_the_inline_policy_then_apply_puts_exactly_it(sandbox, account):
    options = {"managed_policies": ["AWSBillingReadOnlyAccess"], "inline_policies": {account.name: CMP_POLICY}}
    sandbox.reset_calls()

    preview = account.run(check_mode=True, diff=True, **options)

    assert succeeded(preview) and preview["changed"] is True, preview
    assert write_calls(sandbox.calls()) == []
    after = preview["diff"]["after"][account.name]
    assert after["inline_policies"] == {account.name: CMP_POLICY}, "the diff must show the policy it would put"
    assert after["trust_policy"] == MASKED_TRUST
    assert shows_no_external_id(preview)

    applied = account.run(**options)
    assert succeeded(applied) and applied["changed"] is True, applied
    document = account.iam.get_role_policy(RoleName=account.name, PolicyName=account.name)["PolicyDocument"]
    assert policy_document(document) == CMP_POLICY

    sandbox.reset_calls()
    rerun = account.run(**options)
    assert succeeded(rerun) and rerun["changed"] is False, rerun
    assert write_calls(sandbox.calls()) == []


def test_an_inline_policy_not_declared_is_reported_and_kept_unless_purged(account):
    assert succeeded(account.run())
    document = json.dumps(CMP_POLICY)
    account.iam.put_role_policy(RoleName=account.name, PolicyName="added-by-hand", PolicyDocument=document)

    kept = account.run()
    assert succeeded(kept) and kept["changed"] is False, kept
    assert any(account.name in w and "added-by-hand" in w for w in warnings_of(kept)), kept
    assert account.iam.list_role_policies(RoleName=account.name)["PolicyNames"] == ["added-by-hand"]

    purged = account.run(purge_inline_policies=True)
    assert succeeded(purged) and purged["changed"] is True, purged
    assert account.iam.list_role_policies(RoleName=account.name)["PolicyNames"] == []


def test_a_misspelt_effect_in_the_inline_policy_is_refused_before_any_aws_call(sandbox, account):
    bad = {"Version": "2012-10-17", "Statement": [{"Effect": "Alow", "Action": "ce:Get*", "Resource": "*"}]}
    sandbox.reset_calls()

    result = account.run(inline_policies={account.name: bad})

    assert result["failed"] is True
    assert "statement 1 has Effect 'Alow': Effect must be Allow or Deny" in result["msg"], result
    assert sandbox.calls() == []


def test_expected_account_id_of_another_account_refuses_with_no_write(sandbox, account):
    sandbox.reset_calls()

    options = {"inline_policies": {account.name: CMP_POLICY}, "expected_account_id": "111122223333"}
    preview = account.run(check_mode=True, **options)
    applied = account.run(**options)

    assert preview["failed"] is True and applied["failed"] is True, applied
    message = applied["msg"]
    assert account.id in message and "111122223333" in message and "nothing was changed" in message
    assert write_calls(sandbox.calls()) == []
    assert account.name not in [role["RoleName"] for role in account.iam.list_roles()["Roles"]]


def test_absent_deletes_the_role_with_its_policies(account):
    made = account.run(managed_policies=["AWSBillingReadOnlyAccess"], inline_policies={account.name: CMP_POLICY})
    assert succeeded(made) and made["changed"] is True, made

    removed = account.run(state="absent", trusted_account_id=None, external_id=None)
    again = account.run(state="absent", trusted_account_id=None, external_id=None)

    assert succeeded(removed) and removed["changed"] is True, removed
    assert succeeded(again) and again["changed"] is False, again
    assert account.name not in [r["RoleName"] for r in account.iam.list_roles()["Roles"]]


def test_ansible_playbook_never_prints_an_external_id_in_a_check_mode_diff(sandbox, account, tmp_path):
    # The one playbook run: no_log (the given ID) and the module's masking (an old ID) in ansible-playbook's own
    # output, -v result and --diff, for a role whose external ID drifted and whose inline policy is missing.
    assert succeeded(account.run(managed_policies=["AWSBillingReadOnlyAccess"]))
    drifted = expected_trust(external_id=OLD_EXTERNAL_ID)
    account.iam.update_assume_role_policy(RoleName=account.name, PolicyDocument=json.dumps(drifted))
    options = {
        "name": account.name,
        "trusted_account_id": TRUSTED,
        "external_id": EXTERNAL_ID,
        "managed_policies": ["AWSBillingReadOnlyAccess"],
        "inline_policies": {account.name: CMP_POLICY},
    }
    sandbox.reset_calls()

    run = run_playbook(
        sandbox, PLAYBOOK, "--check", "--diff", extra_vars={"role_options": options}, env=account.env, tmp=tmp_path
    )

    assert run.ok and run.changed == 1, run.log
    assert write_calls(sandbox.calls()) == []
    assert EXTERNAL_ID not in run.output, "the external ID must never be printed"
    assert OLD_EXTERNAL_ID not in run.output, "an old external ID is a secret too"
    assert '"sts:ExternalId": "********"' in run.stdout
    assert "(another external ID)" in run.stdout, "the diff should say the external ID changes"
    assert f"arn:aws:iam::{TRUSTED}:root" in run.stdout, "the diff should show who is trusted"
    assert '"DoitCmpRead"' in run.stdout, "the diff must show the inline policy it would put"
