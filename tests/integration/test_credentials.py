"""playbooks/personas.yml reaches the Partner Central account however the inventory says, and refuses the wrong one.

The ways of DESIGN.md contract 3 besides an assumed role (aws_assume_role_arn, which every organization of
test_personas_playbook.py uses): a profile (aws_profile) and the environment's own credentials.
"""

import pytest
from integration_support import DEFAULT_ACCOUNT_ID
from integration_support import assert_persona_roles
from integration_support import assume_role_arn
from integration_support import aws_client
from integration_support import iam_calls_in
from integration_support import make_org
from integration_support import new_account_id
from integration_support import partner_central_roles
from integration_support import write_calls


def assert_persona_roles_only_in(org, account_id, elsewhere):
    assert_persona_roles(org.iam(account_id))
    for other in elsewhere:
        assert partner_central_roles(org.iam(other)) == {}, f"persona roles in {other}"


@pytest.mark.parametrize("other_keys_in_environment", [False, True], ids=["profile-only", "keys-also-in-environment"])
def test_profile_credentials_put_the_roles_in_the_profiles_account(
    sandbox, new_org, tmp_path, other_keys_in_environment
):
    org = new_org(members=1, partnercentral_vars={"aws_profile": "partnercentral-admin"})
    # An administrator of the Partner Central account with an access key, as a user's profile holds one.
    iam = org.iam(org.partnercentral)
    iam.create_user(UserName="partnercentral-admin")
    iam.attach_user_policy(UserName="partnercentral-admin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    key = iam.create_access_key(UserName="partnercentral-admin")["AccessKey"]
    credentials_file = tmp_path / "credentials"
    credentials_file.write_text(
        f"[partnercentral-admin]\naws_access_key_id = {key['AccessKeyId']}\n"
        f"aws_secret_access_key = {key['SecretAccessKey']}\n"
    )
    config_file = tmp_path / "config"
    config_file.write_text("[profile partnercentral-admin]\nregion = us-east-1\n")
    # The host's profile must win over an access key in the environment (here the management account's), as
    # contract 3 orders it: role, else profile, else the environment.
    env = sandbox.env()
    if not other_keys_in_environment:
        del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    env.update(AWS_SHARED_CREDENTIALS_FILE=str(credentials_file), AWS_CONFIG_FILE=str(config_file))
    sandbox.reset_calls()

    run = org.playbook(env=env)
    calls = sandbox.calls()

    assert run.ok, run.log
    assert_persona_roles_only_in(org, org.partnercentral, elsewhere=[DEFAULT_ACCOUNT_ID, *org.members])
    assert {call["account_id"] for call in write_calls(calls)} == {org.partnercentral}


def test_environment_credentials_put_the_roles_in_their_own_account(own_sandbox, tmp_path):
    # The default credentials' account is the Partner Central account here (a member of another management
    # account), in a sandbox of its own so that no other test sees its roles.
    org = make_org(
        own_sandbox, tmp_path, management=new_account_id(), partnercentral=DEFAULT_ACCOUNT_ID, partnercentral_vars={}
    )
    own_sandbox.reset_calls()

    run = org.playbook()
    calls = own_sandbox.calls()

    assert run.ok, run.log
    assert_persona_roles_only_in(org, DEFAULT_ACCOUNT_ID, elsewhere=[org.management, *org.members])
    assert {call["account_id"] for call in write_calls(calls)} == {DEFAULT_ACCOUNT_ID}


def test_environment_credentials_of_another_account_fail_before_any_write(sandbox, new_org):
    # The environment's credentials belong to 123456789012, the host says the account is another one.
    org = new_org(members=1, partnercentral_vars={})
    sandbox.reset_calls()

    run = org.playbook()
    calls = sandbox.calls()

    assert not run.ok, run.log
    assert write_calls(calls) == []
    assert any(DEFAULT_ACCOUNT_ID in m and org.partnercentral in m for m in run.failure_messages()), run.log
    assert partner_central_roles(org.iam(org.partnercentral)) == {}
    assert partner_central_roles(aws_client(sandbox, "iam")) == {}


def test_assumed_role_in_another_account_fails_before_any_write(sandbox, new_org):
    # A copy-paste slip: the role to assume is in a member account, not in the host's account.
    wrong_account = new_account_id()
    org = new_org(members=[wrong_account], partnercentral_vars={"aws_assume_role_arn": assume_role_arn(wrong_account)})
    sandbox.reset_calls()

    run = org.playbook()
    calls = sandbox.calls()

    assert not run.ok, run.log
    assert write_calls(calls) == []
    assert not iam_calls_in(calls, wrong_account), "the play went on in the wrong account"
    assert any(wrong_account in m and org.partnercentral in m for m in run.failure_messages()), run.log
    assert partner_central_roles(org.iam(wrong_account)) == {}
    assert partner_central_roles(org.iam(org.partnercentral)) == {}
