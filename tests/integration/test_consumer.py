"""The collection as a consumer uses it: installed from its tarball, called by FQCN from a directory of their own.

The environment's default credentials belong to the organization's management account (123456789012); the
Partner Central host is a member account reached through its OrganizationAccountAccessRole. A role that acted
with whatever credentials the environment has would write into the management account.
"""

import json
import os

import pytest
from integration_support import DEFAULT_ACCOUNT_ID
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


@pytest.fixture(scope="module")
def installed(installed_collection):
    """The ANSIBLE_* settings under which only the installed collection is found."""
    return installed_collection.settings()


def play(name, hosts, tasks, module_defaults=None):
    """A user's play for ``hosts``, with ``tasks`` and optional module_defaults."""
    play = {
        "name": name,
        "hosts": hosts,
        "connection": "local",
        "gather_facts": False,
        "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
        "tasks": tasks,
    }
    if module_defaults:
        play["module_defaults"] = module_defaults
    return play


def role_task(name):
    return {"name": f"Role {name}", "ansible.builtin.include_role": {"name": f"diatonic.partnercentral.{name}"}}


# The Partner Central hosts of the consumer's organization, one account each, and the roles its play includes
# (no module_defaults). One module_defaults line for the collection's group, reaching amazon.aws's modules too:
# test_packaging.py's playbook outside the repository.
PLAYS = {
    "pc-personas-alone": ["personas"],
    "pc-credentials-then-personas": ["credentials", "personas"],
}


@pytest.fixture(scope="module")
def consumed(sandbox, tmp_path_factory, installed):
    """One run of a consumer's playbook from a directory of their own, the collection installed from its
    tarball: a play per host of PLAYS, each host a new member account reached through its
    OrganizationAccountAccessRole."""
    directory = tmp_path_factory.mktemp("consumer")
    accounts = {host: new_account_id() for host in PLAYS}
    inventory = write_groups(
        directory,
        {
            "management": {"org-management": {"aws_account_id": DEFAULT_ACCOUNT_ID}},
            "partnercentral": {
                host: {"aws_account_id": account, "aws_assume_role_arn": assume_role_arn(account)}
                for host, account in accounts.items()
            },
        },
    )
    sandbox.seed(inventory)
    plays = [play(f"Roles {roles} for {host}", host, [role_task(r) for r in roles]) for host, roles in PLAYS.items()]
    playbook = directory / "consumer.yml"
    playbook.write_text(json.dumps(plays, indent=2))  # JSON is YAML
    sandbox.reset_calls()
    run = run_playbook(sandbox, str(playbook), inventory=inventory, cwd=directory, ansible_settings=installed)
    return run, sandbox.calls(), accounts


@pytest.mark.parametrize(
    "host",
    ["pc-credentials-then-personas", "pc-personas-alone"],
    ids=["credentials-then-personas", "personas-alone"],
)
def test_roles_without_module_defaults_write_only_to_the_hosts_account(sandbox, consumed, host):
    run, calls, accounts = consumed

    assert run.ok, run.log
    assert_persona_roles(aws_client(sandbox, "iam", accounts[host]))
    assert partner_central_roles(aws_client(sandbox, "iam")) == {}, "roles were written to the environment's account"
    assert write_calls(iam_calls_in(calls, DEFAULT_ACCOUNT_ID)) == []
    assert {call["account_id"] for call in write_calls(calls)} == set(accounts.values())


def test_playbooks_by_fqcn_write_reports_under_the_directory_they_run_from(sandbox, tmp_path, installed):
    # The readiness report's playbook: no AWS call, so the cheapest of the playbooks that write reports; they all
    # write through the collection's report_file action, relative to the directory ansible-playbook starts in.
    management, partnercentral = DEFAULT_ACCOUNT_ID, new_account_id()
    inventory = write_inventory(
        tmp_path,
        management={"aws_account_id": management},
        partnercentral={"aws_account_id": partnercentral, "aws_assume_role_arn": assume_role_arn(partnercentral)},
    )
    workdir = tmp_path / "work"
    workdir.mkdir()

    run = run_playbook(
        sandbox,
        "diatonic.partnercentral.readiness_report",
        inventory=inventory,
        cwd=workdir,
        ansible_settings=installed,
    )

    assert run.recap(), run.log  # it ran; nothing is ready (no other report was written), which is its verdict
    report = workdir / "reports" / "readiness.json"
    assert report.is_file(), run.log
    text = json.dumps(json.loads(report.read_text()))
    assert partnercentral in text and management in text, text
    collection_files = [
        os.path.join(directory, name)
        for directory, _subdirectories, names in os.walk(installed["ANSIBLE_COLLECTIONS_PATH"])
        for name in names
    ]
    assert not [path for path in collection_files if "/reports/" in path], collection_files
