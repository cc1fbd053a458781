"""playbooks/personas.yml reaches the Partner Central account however the inventory says, and refuses the wrong one.

The ways of DESIGN.md contract 3 besides an assumed role (aws_assume_role_arn, which every organization of
test_personas_playbook.py uses): a profile (aws_profile) and the environment's own credentials. Each Partner
Central host below is an account reached one way; one run serves several hosts (Ansible runs each host's tasks
on its own, a host that fails stops alone), two runs in all: with the management account's access key in the
environment, and with none. This file's sandbox is its own: one host writes into 123456789012, the environment's
account.
"""

import re

import pytest
from integration_support import DEFAULT_ACCOUNT_ID
from integration_support import PERSONAS_PLAYBOOK
from integration_support import assert_persona_roles
from integration_support import assume_role_arn
from integration_support import aws_client
from integration_support import iam_calls_in
from integration_support import new_account_id
from integration_support import partner_central_roles
from integration_support import run_playbook
from integration_support import write_calls
from integration_support import write_groups
from integration_support import write_inventory

ASSERT_ACCOUNT = (
    "Assume the account's role, or ask AWS whose credentials these are, and prove they are the host's account"
)
CONVERGE = "Converge the persona roles"


def host_results(run, host: str) -> list[tuple[str, str]]:
    """(task, status) of each task result the run printed for ``host``."""
    results, task = [], ""
    for line in run.stdout.splitlines():
        header = re.match(r"^TASK \[(.*)\] \**$", line)
        if header:
            task = header[1]
        result = re.match(rf"^(ok|changed|fatal|failed|skipping): \[{re.escape(host)}\]", line)
        if result:
            results.append((task, result[1]))
    return results


def failed_at(run, host: str) -> str | None:
    """The task at which ``host`` failed, None if it did not; and it must have run nothing after it."""
    results = host_results(run, host)
    failed = [index for index, (_task, status) in enumerate(results) if status in ("fatal", "failed")]
    if not failed:
        return None
    assert failed[-1] == len(results) - 1, f"{host} went on after failing: {results}"
    return results[failed[-1]][0].split(" : ")[-1]  # without the role's name


def admin_profile(iam, profile: str, account_user: str) -> tuple[str, str]:
    """An administrator with an access key, as a user's profile holds one: [profile] in a credentials file and
    its config file; their lines, to be written together."""
    iam.create_user(UserName=account_user)
    iam.attach_user_policy(UserName=account_user, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    key = iam.create_access_key(UserName=account_user)["AccessKey"]
    return (
        f"[{profile}]\naws_access_key_id = {key['AccessKeyId']}\naws_secret_access_key = {key['SecretAccessKey']}\n",
        f"[profile {profile}]\nregion = us-east-1\n",
    )


def inventory(directory, name: str, partnercentral_hosts: dict[str, dict]) -> str:
    """hosts.yml: the management account and these Partner Central hosts (host -> its variables)."""
    return write_groups(
        directory,
        {
            "management": {"org-management": {"aws_account_id": DEFAULT_ACCOUNT_ID}},
            "partnercentral": partnercentral_hosts,
        },
        name,
    )


@pytest.fixture(scope="module")
def accounts(sandbox, tmp_path_factory):
    """New member accounts of the sandbox's organization (123456789012 manages it), by their role here."""
    directory = tmp_path_factory.mktemp("accounts")
    ids = {
        role: new_account_id()
        for role in ("profile", "profile_only", "environment_other", "wrong_role_target", "wrong_role_host")
    }
    seeded = write_inventory(
        directory,
        management={"aws_account_id": DEFAULT_ACCOUNT_ID},
        partnercentral={"aws_account_id": ids["profile"]},
        members=[{"aws_account_id": account_id} for role, account_id in ids.items() if role != "profile"],
    )
    sandbox.seed(seeded)
    return ids


@pytest.fixture(scope="module")
def with_environment_keys(sandbox, accounts, tmp_path_factory):
    """One run, the environment holding the management account's access key (123456789012), and hosts:
    pc-profile (aws_profile, its own administrator's key), pc-environment (aws_account_id 123456789012, no role, no
    profile: the environment's credentials), pc-environment-other (another account, no role, no profile)."""
    directory = tmp_path_factory.mktemp("environment_keys")
    credentials, config = admin_profile(
        aws_client(sandbox, "iam", accounts["profile"]), "partnercentral-admin", "partnercentral-admin"
    )
    (directory / "credentials").write_text(credentials)
    (directory / "config").write_text(config)
    hosts = inventory(
        directory,
        "hosts.yml",
        {
            "pc-profile": {"aws_account_id": accounts["profile"], "aws_profile": "partnercentral-admin"},
            "pc-environment": {"aws_account_id": DEFAULT_ACCOUNT_ID},
            "pc-environment-other": {"aws_account_id": accounts["environment_other"]},
        },
    )
    env = sandbox.env()
    env.update(AWS_SHARED_CREDENTIALS_FILE=str(directory / "credentials"), AWS_CONFIG_FILE=str(directory / "config"))
    sandbox.reset_calls()
    run = run_playbook(sandbox, PERSONAS_PLAYBOOK, inventory=hosts, env=env)
    return run, sandbox.calls()


@pytest.fixture(scope="module")
def without_environment_keys(sandbox, accounts, tmp_path_factory, with_environment_keys):
    """One run, no access key in the environment, and hosts: pc-profile-only (aws_profile), pc-wrong-role
    (aws_assume_role_arn of a role in another member account, assumed from a management administrator's profile)."""
    directory = tmp_path_factory.mktemp("no_environment_keys")
    only = admin_profile(
        aws_client(sandbox, "iam", accounts["profile_only"]), "partnercentral-only", "partnercentral-only"
    )
    management = admin_profile(aws_client(sandbox, "iam"), "management-admin", "management-admin")
    (directory / "credentials").write_text(only[0] + management[0])
    (directory / "config").write_text(only[1] + management[1])
    hosts = inventory(
        directory,
        "hosts.yml",
        {
            "pc-profile-only": {"aws_account_id": accounts["profile_only"], "aws_profile": "partnercentral-only"},
            "pc-wrong-role": {
                "aws_account_id": accounts["wrong_role_host"],
                "aws_profile": "management-admin",
                # A copy-paste slip: the role to assume is in another member account, not in the host's account.
                "aws_assume_role_arn": assume_role_arn(accounts["wrong_role_target"]),
            },
        },
    )
    env = sandbox.env()
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    env.update(AWS_SHARED_CREDENTIALS_FILE=str(directory / "credentials"), AWS_CONFIG_FILE=str(directory / "config"))
    sandbox.reset_calls()
    run = run_playbook(sandbox, PERSONAS_PLAYBOOK, inventory=hosts, env=env)
    return run, sandbox.calls()


def assert_persona_roles_only_in(sandbox, account_id, elsewhere):
    assert_persona_roles(aws_client(sandbox, "iam", account_id))
    for other in elsewhere:
        assert partner_central_roles(aws_client(sandbox, "iam", other)) == {}, f"persona roles in {other}"


@pytest.mark.parametrize(
    "host, run_fixture, account",
    [
        ("pc-profile-only", "without_environment_keys", "profile_only"),
        ("pc-profile", "with_environment_keys", "profile"),
    ],
    ids=["profile-only", "keys-also-in-environment"],
)
def test_profile_credentials_put_the_roles_in_the_profiles_account(
    request, sandbox, accounts, host, run_fixture, account
):
    # With keys also in the environment (the management account's), the host's profile must win, as contract 3
    # orders it: role, else profile, else the environment.
    run, calls = request.getfixturevalue(run_fixture)

    assert failed_at(run, host) is None, run.log
    assert any(CONVERGE in task and status == "changed" for task, status in host_results(run, host)), run.log
    # The other profile's account has its own roles; 123456789012 gets them from pc-environment only (asserted
    # below: seven CreateRole calls there, no more).
    others = [account_id for role, account_id in accounts.items() if role not in ("profile", "profile_only")]
    assert_persona_roles_only_in(sandbox, accounts[account], elsewhere=others)
    assert iam_calls_in(write_calls(calls), accounts[account]), f"no write in {host}'s account"


def test_environment_credentials_put_the_roles_in_their_own_account(sandbox, accounts, with_environment_keys):
    # The default credentials' account is the Partner Central account here.
    run, calls = with_environment_keys

    assert failed_at(run, "pc-environment") is None, run.log
    assert_persona_roles(aws_client(sandbox, "iam"))
    # pc-profile wrote into its account, pc-environment into 123456789012, nobody anywhere else.
    assert {call["account_id"] for call in write_calls(calls)} == {DEFAULT_ACCOUNT_ID, accounts["profile"]}
    creates = [c for c in iam_calls_in(calls, DEFAULT_ACCOUNT_ID) if c["operation"] == "CreateRole"]
    assert len(creates) == 7, "another host wrote into the environment's account too"


def test_environment_credentials_of_another_account_fail_before_any_write(sandbox, accounts, with_environment_keys):
    # The environment's credentials belong to 123456789012, the host says the account is another one.
    run, calls = with_environment_keys
    other = accounts["environment_other"]

    assert not run.ok, run.log
    assert failed_at(run, "pc-environment-other") == ASSERT_ACCOUNT, run.log
    assert any(DEFAULT_ACCOUNT_ID in m and other in m for m in run.failure_messages()), run.log
    assert iam_calls_in(calls, other) == []
    assert partner_central_roles(aws_client(sandbox, "iam", other)) == {}


def test_assumed_role_in_another_account_fails_before_any_write(sandbox, accounts, without_environment_keys):
    run, calls = without_environment_keys
    wrong_account, host_account = accounts["wrong_role_target"], accounts["wrong_role_host"]

    assert not run.ok, run.log
    assert failed_at(run, "pc-wrong-role") == ASSERT_ACCOUNT, run.log
    assert not iam_calls_in(calls, wrong_account), "the play went on in the wrong account"
    assert {call["account_id"] for call in write_calls(calls)} == {accounts["profile_only"]}
    assert any(wrong_account in m and host_account in m for m in run.failure_messages()), run.log
    assert partner_central_roles(aws_client(sandbox, "iam", wrong_account)) == {}
    assert partner_central_roles(aws_client(sandbox, "iam", host_account)) == {}


def test_malformed_account_id_in_the_inventory_fails_with_no_aws_call(sandbox, tmp_path):
    # An 11-digit ID (a digit lost in copying); the sandbox cannot even seed such an account. The one bad-input
    # case of the playbook's wiring (the credentials role's first task); the others are unit tests.
    hosts = write_inventory(
        tmp_path,
        management={"aws_account_id": DEFAULT_ACCOUNT_ID},
        partnercentral={
            "aws_account_id": "21098765432",
            "aws_assume_role_arn": "arn:aws:iam::21098765432:role/OrganizationAccountAccessRole",
        },
    )
    sandbox.reset_calls()

    run = run_playbook(sandbox, PERSONAS_PLAYBOOK, inventory=hosts)

    assert not run.ok, run.log
    assert sandbox.calls() == []
    assert any("aws_account_id" in m and "21098765432" in m for m in run.failure_messages()), run.log
