"""The aws_organization inventory plugin on the sandbox's organization, as users run it.

`ansible-inventory --graph/--list` on an organization with nested organizational units and a closed account;
the inventory cache (a second run makes no AWS call); the Organizations calls, which do not grow with the
accounts; and a playbook over the plugin's inventory run through ansible-runner (the engine under AWX) in a
private data directory, one account broken and the others checked all the same.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from dataclasses import field

import pytest
import yaml
from integration_support import BIN
from integration_support import DEFAULT_ACCOUNT_ID
from integration_support import ROOT
from integration_support import ansible_env
from integration_support import aws_client
from integration_support import new_account_id

PLUGIN = "diatonic.partnercentral.aws_organization"
COLLECTIONS_PATH = os.path.join(ROOT, "playbooks", "collections")

# The organization: (account name, organizational unit path) for each member; the management account is in Root.
MEMBERS = [
    ("Partner Central", "Root"),
    ("Prod Web", "Root/Workloads/Prod"),
    ("Prod Data", "Root/Workloads/Prod"),
    ("Prod Batch", "Root/Workloads/Prod"),
    ("Dev Web", "Root/Workloads/Dev"),
    ("Dev Data", "Root/Workloads/Dev"),
    ("Log Archive", "Root/Security"),
    ("Audit", "Root/Security"),
    ("Broken", "Root/Workloads/Dev"),
    ("Old Project", "Root/Workloads/Dev"),  # closed below: SUSPENDED
]
CLOSED = "Old Project"
# Its OrganizationAccountAccessRole leads elsewhere (compose below): its credentials belong to another account.
BROKEN = "Broken"


@dataclass
class Organization:
    sandbox: object
    ids: dict[str, str]  # account name -> ID
    units: dict[str, str]  # path -> organizational unit ID
    hosts: dict[str, str] = field(default_factory=dict)  # account name -> host name

    def add_members(self, count: int, path: str) -> list[str]:
        """``count`` new ACTIVE accounts in the unit ``path`` (as CreateAccount then MoveAccount make them)."""
        organizations = aws_client(self.sandbox, "organizations")
        added = []
        for number in range(count):
            account_id = new_account_id()
            name = f"Extra {len(self.ids) + number}"
            self.sandbox.control("/_sandbox/state", {"account_id": account_id, "org_role": "member", "name": name})
            organizations.move_account(
                AccountId=account_id, SourceParentId=self.units["Root"], DestinationParentId=self.units[path]
            )
            added.append(account_id)
        return added


def make_organization(sandbox) -> Organization:
    sandbox.control(
        "/_sandbox/state", {"account_id": DEFAULT_ACCOUNT_ID, "org_role": "management", "name": "Management"}
    )
    organizations = aws_client(sandbox, "organizations")
    units = {"Root": organizations.list_roots()["Roots"][0]["Id"]}
    for path in ("Root/Workloads", "Root/Workloads/Prod", "Root/Workloads/Dev", "Root/Security"):
        parent, name = path.rsplit("/", 1)
        units[path] = organizations.create_organizational_unit(ParentId=units[parent], Name=name)["OrganizationalUnit"][
            "Id"
        ]
    ids = {"Management": DEFAULT_ACCOUNT_ID}
    for name, path in MEMBERS:
        ids[name] = new_account_id()
        sandbox.control("/_sandbox/state", {"account_id": ids[name], "org_role": "member", "name": name})
        if path != "Root":
            organizations.move_account(
                AccountId=ids[name], SourceParentId=units["Root"], DestinationParentId=units[path]
            )
    organizations.close_account(AccountId=ids[CLOSED])
    return Organization(sandbox, ids, units)


def write_config(directory, **options) -> str:
    config = {"plugin": PLUGIN, "partnercentral_account": "Partner Central", **options}
    path = os.path.join(str(directory), "org.aws_organization.yml")
    with open(path, "w") as handle:
        yaml.safe_dump(config, handle, sort_keys=False)
    return path


def ansible_inventory(sandbox, config: str, *args: str) -> subprocess.CompletedProcess:
    """ansible-inventory as a user runs it from the repository root (its ansible.cfg finds the collection)."""
    process = subprocess.run(
        [os.path.join(BIN, "ansible-inventory"), "-i", config, *args],
        cwd=ROOT,
        env=ansible_env(sandbox.env()),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert process.returncode == 0, process.stdout + process.stderr
    return process


def plain(value):
    """--list's values without ansible-core 2.19's marks of untrusted data ({"__ansible_unsafe": ...})."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def organizations_calls(sandbox) -> list[str]:
    return [call["operation"] for call in sandbox.calls() if call["service"] == "organizations"]


@dataclass
class Listing:
    graph: str
    groups: dict  # group -> {"hosts": [...], "children": [...]}
    hostvars: dict
    calls: list[str]

    def hosts_of(self, group: str) -> list[str]:
        return sorted(self.groups.get(group, {}).get("hosts", []))


@pytest.fixture(scope="module")
def organization(sandbox):
    return make_organization(sandbox)


@pytest.fixture(scope="module")
def listing(sandbox, organization, tmp_path_factory):
    """One --list and one --graph of the organization, and the Organizations calls of the --list."""
    config = write_config(tmp_path_factory.mktemp("listing"))
    sandbox.reset_calls()
    listed = plain(json.loads(ansible_inventory(sandbox, config, "--list").stdout))
    calls = organizations_calls(sandbox)
    graph = ansible_inventory(sandbox, config, "--graph").stdout
    hostvars = listed.pop("_meta")["hostvars"]
    return Listing(graph, listed, hostvars, calls)


def test_every_account_is_a_host_in_the_groups_of_its_role_and_organizational_unit(listing, organization):
    ids = {account_id: name for name, account_id in organization.ids.items()}
    host_of = {ids[variables["aws_account_id"]]: host for host, variables in listing.hostvars.items()}

    assert sorted(host_of) == sorted(organization.ids)
    assert listing.hosts_of("management") == [host_of["Management"]]
    assert listing.hosts_of("partnercentral") == ["partner-central"]
    assert listing.hosts_of("members") == sorted(
        ["prod-web", "prod-data", "prod-batch", "dev-web", "dev-data", "log-archive", "audit", "broken"]
    )
    assert listing.hosts_of("ou_root_workloads_prod") == ["prod-batch", "prod-data", "prod-web"]
    assert listing.hosts_of("ou_root_security") == ["audit", "log-archive"]
    assert sorted(listing.groups["ou_root_workloads"]["children"]) == [
        "ou_root_workloads_dev",
        "ou_root_workloads_prod",
    ]
    # The graph shows the units nested as they are.
    assert (
        "  |--@ou_root:\n  |  |--@ou_root_workloads:\n  |  |  |--@ou_root_workloads_prod:\n  |  |  |  |--prod-batch\n"
    ) in listing.graph


def test_a_closed_account_is_grouped_by_status_but_never_targeted(listing):
    targeted = {
        host
        for name, group in listing.groups.items()
        if not name.startswith("status_")
        for host in group.get("hosts", [])
    }

    assert listing.hosts_of("status_suspended") == ["old-project"]
    assert "old-project" not in targeted
    assert "old-project" not in listing.hosts_of("status_active")
    assert listing.hostvars["old-project"]["aws_account_status"] == "SUSPENDED"


def test_host_variables_follow_the_inventory_contract(listing, organization):
    prod_web = listing.hostvars["prod-web"]
    account_id = organization.ids["Prod Web"]

    assert prod_web["aws_account_id"] == account_id
    assert prod_web["aws_assume_role_arn"] == f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole"
    assert prod_web["aws_region"] == "us-east-1"
    assert prod_web["aws_organizational_unit_path"] == "Root/Workloads/Prod"
    assert prod_web["aws_organizational_unit_id"] == organization.units["Root/Workloads/Prod"]
    management = next(v for v in listing.hostvars.values() if v["aws_account_id"] == DEFAULT_ACCOUNT_ID)
    assert "aws_assume_role_arn" not in management


def test_organizations_is_read_per_organizational_unit_never_per_account(listing):
    # 5 organizational units: DescribeOrganization, ListRoots, and per unit its accounts and its child units.
    assert sorted(listing.calls) == sorted(
        ["DescribeOrganization", "ListRoots"] + ["ListAccountsForParent", "ListOrganizationalUnitsForParent"] * 5
    )


def test_a_cached_inventory_makes_no_aws_call(sandbox, organization, tmp_path):
    config = write_config(
        tmp_path, cache=True, cache_plugin="ansible.builtin.jsonfile", cache_connection=str(tmp_path / "cache")
    )
    first = ansible_inventory(sandbox, config, "--list").stdout
    sandbox.reset_calls()

    again = ansible_inventory(sandbox, config, "--list").stdout

    assert sandbox.calls() == []
    assert json.loads(again) == json.loads(first)


# --- a playbook over the organization, through ansible-runner ----------------------


def test_a_playbook_over_the_organization_runs_under_ansible_runner_and_one_broken_account_stops_no_other(
    sandbox, organization, listing, tmp_path
):
    ansible_runner = pytest.importorskip("ansible_runner")
    private = tmp_path / "private"
    (private / "project").mkdir(parents=True)
    (private / "inventory").mkdir()
    # How AWX runs a project's playbook: the collection's, by FQCN.
    (private / "project" / "org_baseline.yml").write_text(
        "- name: The security baseline of the organization\n"
        "  ansible.builtin.import_playbook: diatonic.partnercentral.baseline\n"
    )
    write_config(
        private / "inventory",
        compose={
            # Broken's role leads to another account: its credentials check must fail, and only its.
            "aws_assume_role_arn": (
                f"'arn:aws:iam::{organization.ids['Audit']}:role/OrganizationAccountAccessRole' "
                f"if aws_account_name == '{BROKEN}' else aws_assume_role_arn"
            )
        },
    )
    report = tmp_path / "baseline.json"
    envvars = {
        key: value
        for key, value in ansible_env(sandbox.env(), {"ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_PATH}).items()
        if key.startswith(("AWS_", "ANSIBLE_")) or key == "PATH"
    }
    envvars["PATH"] = BIN + os.pathsep + envvars.get("PATH", "")

    run = ansible_runner.run(
        private_data_dir=str(private),
        # No --limit: the playbook runs on the contract's groups, which the plugin keeps the closed account out of.
        playbook="org_baseline.yml",
        envvars=envvars,
        extravars={"baseline_report_path": str(report), "baseline_enforce": False},
        quiet=True,
    )

    output = run.stdout.read()
    assert run.stats["failures"] == {"broken": 1}, output
    checked = {record["account"] for record in json.loads(report.read_text())["records"]}
    expected = {account_id for name, account_id in organization.ids.items() if name not in (BROKEN, CLOSED)}
    assert checked == expected, output
    assert "old-project" not in output
    # Refused from the inventory's values, before the other account's role is assumed.
    assert f"is a role of account {organization.ids['Audit']}, not of aws_account_id {organization.ids[BROKEN]}" in (
        " ".join(output.split())
    )


# Last: it adds accounts to the organization the tests above read.
def test_more_accounts_cost_no_more_organizations_calls(sandbox, organization, listing, tmp_path):
    organization.add_members(2, "Root/Workloads/Prod")
    organization.add_members(1, "Root/Security")
    config = write_config(tmp_path)
    sandbox.reset_calls()

    listed = plain(json.loads(ansible_inventory(sandbox, config, "--list").stdout))

    assert len(listed["_meta"]["hostvars"]) == len(listing.hostvars) + 3
    assert sorted(organizations_calls(sandbox)) == sorted(listing.calls)
