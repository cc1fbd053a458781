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
from integration_support import iam_calls_in
from integration_support import make_org
from integration_support import partner_central_roles
from integration_support import run_playbook
from integration_support import write_calls


@pytest.fixture(scope="module")
def installed(installed_collection):
    """The ANSIBLE_* settings under which only the installed collection is found."""
    return installed_collection.settings()


def consumer_playbook(directory, tasks, module_defaults=None):
    """A user's playbook for the partnercentral host, with ``tasks`` and optional module_defaults."""
    play = {
        "name": "A consumer's play",
        "hosts": "partnercentral",
        "connection": "local",
        "gather_facts": False,
        "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
        "tasks": tasks,
    }
    if module_defaults:
        play["module_defaults"] = module_defaults
    path = directory / "consumer.yml"
    path.write_text(json.dumps([play], indent=2))  # JSON is YAML
    return str(path)


def role_task(name):
    return {"name": f"Role {name}", "ansible.builtin.include_role": {"name": f"diatonic.partnercentral.{name}"}}


@pytest.mark.parametrize(
    "roles",
    [["credentials", "personas"], ["personas"]],
    ids=["credentials-then-personas", "personas-alone"],
)
def test_roles_without_module_defaults_write_only_to_the_hosts_account(sandbox, tmp_path, installed, roles):
    org = make_org(sandbox, tmp_path, members=0)
    playbook = consumer_playbook(tmp_path, [role_task(role) for role in roles])
    sandbox.reset_calls()

    run = run_playbook(sandbox, playbook, inventory=org.inventory, cwd=tmp_path, ansible_settings=installed)

    assert run.ok, run.log
    assert_persona_roles(org.iam(org.partnercentral))
    assert partner_central_roles(org.iam(DEFAULT_ACCOUNT_ID)) == {}, "roles were written to the environment's account"
    assert write_calls(iam_calls_in(sandbox.calls(), DEFAULT_ACCOUNT_ID)) == []


def test_one_module_defaults_line_reaches_the_amazon_aws_modules_too(sandbox, tmp_path, installed):
    org = make_org(sandbox, tmp_path, members=0)
    playbook = consumer_playbook(
        tmp_path,
        [
            role_task("credentials"),
            role_task("personas"),
            {
                "name": "List the account's roles with amazon.aws",
                "amazon.aws.iam_role_info": {"path_prefix": "/"},
                "register": "consumer_roles",
            },
            {
                "name": "The roles amazon.aws listed are the host's account's",
                "ansible.builtin.assert": {
                    "that": [
                        "consumer_arns | length == 7",
                        "consumer_arns | map('split', ':') | map(attribute=4) | unique == [aws_account_id]",
                    ]
                },
                "vars": {
                    "consumer_arns": "{{ consumer_roles.iam_roles | map(attribute='arn')"
                    " | select('search', ':role/PartnerCentralRoleFor') | list }}"
                },
            },
        ],
        module_defaults={"group/diatonic.partnercentral.aws": "{{ credentials_aws | default({}) }}"},
    )

    run = run_playbook(sandbox, playbook, inventory=org.inventory, cwd=tmp_path, ansible_settings=installed)

    assert run.ok, run.log
    assert "The roles amazon.aws listed are the host's account's" in run.stdout, run.log


def test_playbooks_by_fqcn_write_reports_under_the_directory_they_run_from(sandbox, tmp_path, installed):
    org = make_org(sandbox, tmp_path, members=0)
    workdir = tmp_path / "work"
    workdir.mkdir()

    run = run_playbook(
        sandbox,
        "diatonic.partnercentral.preflight",
        "--check",
        inventory=org.inventory,
        cwd=workdir,
        ansible_settings=installed,
    )

    assert run.recap(), run.log  # it ran; the sandbox's accounts may or may not be ready
    report = workdir / "reports" / "preflight.json"
    assert report.is_file(), run.log
    text = json.dumps(json.loads(report.read_text()))
    assert org.partnercentral in text and org.management in text, text
    collection_files = [
        os.path.join(directory, name)
        for directory, _subdirectories, names in os.walk(installed["ANSIBLE_COLLECTIONS_PATH"])
        for name in names
    ]
    assert not [path for path in collection_files if "/reports/" in path], collection_files
