"""The aws_organization inventory plugin: what AWS Organizations is asked (Stubber), and the hosts and groups.

What a user expects: one host per account, each in the group of its organizational unit's path and of its state;
the management account in `management`, the Partner Central account in `partnercentral`, the rest in `members`;
a suspended or closed account visible but never targeted; AWS Organizations asked per organizational unit and
page, never per account, every call retried; a cached inventory read without any call.
"""

import datetime
import json
import textwrap

import boto3
import pytest
from ansible.errors import AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import inventory_loader
from ansible_collections.amazon.aws.plugins.module_utils import cloud
from botocore.stub import Stubber

from ansible_collections.diatonic.partnercentral.plugins.inventory import aws_organization as plugin
from ansible_collections.diatonic.partnercentral.plugins.module_utils import organizations

MANAGEMENT = "313476888312"
ORG_ID = "o-a1b2c3d4e5"
ORG_ARN = f"arn:aws:organizations::{MANAGEMENT}:organization/{ORG_ID}"
# An account named Management cannot have the host name of the group management.
MANAGEMENT_HOST = f"management-{MANAGEMENT}"
JOINED = datetime.datetime(2024, 5, 1, tzinfo=datetime.UTC)

ROOT_ID = "r-ab12"
WORKLOADS = "ou-ab12-11111111"
PROD = "ou-ab12-22222222"
DEV = "ou-ab12-33333333"
SECURITY = "ou-ab12-44444444"


def account(account_id, name, state="ACTIVE"):
    status = {"ACTIVE": "ACTIVE", "PENDING_CLOSURE": "PENDING_CLOSURE"}.get(state, "SUSPENDED")
    return {
        "Id": account_id,
        "Arn": f"arn:aws:organizations::{MANAGEMENT}:account/{ORG_ID}/{account_id}",
        "Email": f"aws+{account_id}@example.com",
        "Name": name,
        "Status": status,
        "State": state,
        "JoinedMethod": "CREATED",
        "JoinedTimestamp": JOINED,
    }


# The organization of most tests: Root holds the management and Partner Central accounts; Workloads/Prod two
# accounts, Workloads/Dev one and a suspended one; Security one closed account.
UNITS = {
    "Root": (ROOT_ID, [account(MANAGEMENT, "Management"), account("210987654321", "Partner Central")]),
    "Root/Workloads": (WORKLOADS, []),
    "Root/Security": (SECURITY, [account("555555555555", "Old Audit", "CLOSED")]),
    "Root/Workloads/Prod": (PROD, [account("111111111111", "Prod Web"), account("222222222222", "Prod Data")]),
    "Root/Workloads/Dev": (DEV, [account("333333333333", "Dev"), account("444444444444", "Dev Old", "SUSPENDED")]),
}


def children(units, path):
    return [p for p in units if p.rsplit("/", 1)[0] == path and p != path]


def expect_reads(stubber, units=UNITS, wanted=None, page_size=None, tags=None, tag_filter=None):
    """Stub, in read_tree's order, the calls for ``units``; the (operation, unit) pairs expected."""
    wanted = wanted or {}
    expected = []
    stubber.add_response(
        "describe_organization",
        {
            "Organization": {
                "Id": ORG_ID,
                "Arn": ORG_ARN,
                "FeatureSet": "ALL",
                "MasterAccountArn": f"arn:aws:organizations::{MANAGEMENT}:account/{ORG_ID}/{MANAGEMENT}",
                "MasterAccountId": MANAGEMENT,
                "MasterAccountEmail": "root@example.com",
            }
        },
        {},
    )
    stubber.add_response(
        "list_roots",
        {
            "Roots": [
                {"Id": ROOT_ID, "Arn": f"arn:aws:organizations::{MANAGEMENT}:root/{ORG_ID}/{ROOT_ID}", "Name": "Root"}
            ]
        },
        {},
    )
    expected += [("DescribeOrganization", None), ("ListRoots", None)]
    pending = ["Root"]
    read_accounts = []
    while pending:
        path = pending.pop(0)
        unit_id, accounts = units[path]
        decision = wanted.get(path, "accounts")
        if decision == "skip":
            continue
        if decision == "accounts":
            pages = (
                [accounts]
                if not page_size
                else [accounts[i : i + page_size] for i in range(0, len(accounts), page_size)] or [[]]
            )
            for number, page in enumerate(pages):
                params = {"ParentId": unit_id}
                if number:
                    params["NextToken"] = f"page{number}"
                response = {"Accounts": page}
                if number + 1 < len(pages):
                    response["NextToken"] = f"page{number + 1}"
                stubber.add_response("list_accounts_for_parent", response, params)
                expected.append(("ListAccountsForParent", path))
            read_accounts += accounts
        stubber.add_response(
            "list_organizational_units_for_parent",
            {
                "OrganizationalUnits": [
                    {
                        "Id": units[child][0],
                        "Arn": f"arn:aws:organizations::{MANAGEMENT}:ou/{units[child][0]}",
                        "Name": child.rsplit("/", 1)[1],
                    }
                    for child in children(units, path)
                ]
            },
            {"ParentId": unit_id},
        )
        expected.append(("ListOrganizationalUnitsForParent", path))
        pending += children(units, path)
    tagged = [item for item in read_accounts if tags is not None and (tag_filter is None or tag_filter(item))]
    for item in tagged:
        stubber.add_response(
            "list_tags_for_resource",
            {"Tags": [{"Key": k, "Value": v} for k, v in tags.get(item["Id"], {}).items()]},
            {"ResourceId": item["Id"]},
        )
        expected.append(("ListTagsForResource", item["Id"]))
    return expected


def organizations_client():
    return boto3.client(
        "organizations", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


@pytest.fixture
def client():
    raw = organizations_client()
    with Stubber(raw) as stubber:
        yield raw, stubber
        stubber.assert_no_pending_responses()


def read(client, **options):
    raw, stubber = client
    return organizations.read_tree(raw, **options)


def settings(**overrides):
    base = {
        "assume_role_name": "OrganizationAccountAccessRole",
        "partnercentral_account": None,
        "hostnames": "name",
        "account_region": "us-east-1",
        "target_states": ["ACTIVE"],
        "include_organizational_units": [],
        "exclude_organizational_units": [],
        "include_accounts": [],
        "exclude_accounts": [],
        "include_tags": False,
    }
    return {**base, **overrides}


def planned(client, units=UNITS, **overrides):
    raw, stubber = client
    expect_reads(stubber, units)
    return plugin.plan_inventory(organizations.read_tree(raw), settings(**overrides))


# --- reading the organization --------------------------------------------------


def test_the_tree_is_read_per_organizational_unit_and_page_never_per_account(client):
    raw, stubber = client
    expected = expect_reads(stubber, page_size=1)

    tree = organizations.read_tree(raw)

    # 7 accounts in 5 organizational units, a page per account: DescribeOrganization and ListRoots, one call per
    # unit for its children, one per page of accounts (Workloads holds none: one empty page).
    assert len(expected) == 2 + 5 + 8
    assert {a["id"]: a["unit_path"] for a in tree["accounts"]} == {
        MANAGEMENT: "Root",
        "210987654321": "Root",
        "555555555555": "Root/Security",
        "111111111111": "Root/Workloads/Prod",
        "222222222222": "Root/Workloads/Prod",
        "333333333333": "Root/Workloads/Dev",
        "444444444444": "Root/Workloads/Dev",
    }
    assert {u["path"]: u["ids"] for u in tree["units"]}["Root/Workloads/Prod"] == [ROOT_ID, WORKLOADS, PROD]
    assert tree["organization"]["management_account_id"] == MANAGEMENT
    json.dumps(tree)  # what the inventory cache stores


def test_more_accounts_in_the_same_units_cost_no_more_calls():
    def calls(accounts_per_unit):
        units = {
            path: (unit_id, [account(f"{900000000000 + i * 1000 + n}", f"a{i}-{n}") for n in range(accounts_per_unit)])
            for i, (path, (unit_id, _accounts)) in enumerate(UNITS.items())
        }
        raw = organizations_client()
        with Stubber(raw) as stubber:
            expected = expect_reads(stubber, units)
            tree = organizations.read_tree(raw)
            stubber.assert_no_pending_responses()
        assert len(tree["accounts"]) == 5 * accounts_per_unit
        return len(expected)

    assert calls(1) == calls(20) == 2 + 5 + 5


def test_a_throttled_call_is_retried_not_reported(client, monkeypatch):
    monkeypatch.setattr(cloud.time, "sleep", lambda seconds: None)
    raw, stubber = client
    stubber.add_client_error("describe_organization", service_error_code="ThrottlingException", http_status_code=400)
    stubber.add_client_error(
        "describe_organization", service_error_code="TooManyRequestsException", http_status_code=400
    )
    expect_reads(stubber)

    assert len(organizations.read_tree(raw)["accounts"]) == 7


def test_tags_are_read_only_when_asked_one_call_per_account(client):
    raw, stubber = client
    expected = expect_reads(stubber, tags={"111111111111": {"team": "web"}})

    tree = organizations.read_tree(raw, with_tags=True)

    assert [op for op, _ in expected].count("ListTagsForResource") == 7
    assert {a["id"]: a["tags"] for a in tree["accounts"]}["111111111111"] == {"team": "web"}
    assert {a["id"]: a["tags"] for a in tree["accounts"]}[MANAGEMENT] == {}


def test_tags_are_read_only_for_the_accounts_the_filters_let_in(client):
    raw, stubber = client
    expected = expect_reads(stubber, tags={}, tag_filter=lambda item: item["Name"].startswith("Prod"))

    tree = organizations.read_tree(
        raw, with_tags=True, wanted_account=lambda account: plugin.account_selected(account, ["prod-*"], [])
    )

    assert [item for op, item in expected if op == "ListTagsForResource"] == ["111111111111", "222222222222"]
    assert {a["id"]: a["tags"] for a in tree["accounts"]}["333333333333"] is None


def test_an_excluded_unit_is_not_read_at_all(client):
    raw, stubber = client
    expect_reads(stubber, wanted={"Root/Workloads": "skip"})
    wanted = plugin.unit_selection([], ["root/workloads"])

    tree = organizations.read_tree(raw, wanted)

    assert sorted(a["id"] for a in tree["accounts"]) == sorted([MANAGEMENT, "210987654321", "555555555555"])


def test_an_included_unit_reads_only_the_units_on_its_way_and_below_it(client):
    raw, stubber = client
    # Root and Workloads are only passed through; Security cannot hold Root/Workloads/Prod.
    expect_reads(
        stubber,
        wanted={"Root": "below", "Root/Workloads": "below", "Root/Security": "skip", "Root/Workloads/Dev": "skip"},
    )
    wanted = plugin.unit_selection(["Root/Workloads/Prod/"], [])

    tree = organizations.read_tree(raw, wanted)

    assert sorted(a["id"] for a in tree["accounts"]) == ["111111111111", "222222222222"]


def test_a_unit_included_by_id_is_found_wherever_it_is(client):
    raw, stubber = client
    expect_reads(
        stubber,
        wanted={"Root": "below", "Root/Workloads": "below", "Root/Security": "below", "Root/Workloads/Prod": "below"},
    )

    tree = organizations.read_tree(raw, plugin.unit_selection([DEV], []))

    assert sorted(a["id"] for a in tree["accounts"]) == ["333333333333", "444444444444"]


def test_an_account_outside_any_organization_is_told_what_to_use(client):
    raw, stubber = client
    stubber.add_client_error("describe_organization", service_error_code="AWSOrganizationsNotInUseException")

    with pytest.raises(organizations.OrganizationsError, match="management account"):
        organizations.read_tree(raw)


def test_access_denied_is_reported_with_the_call(client):
    raw, stubber = client
    # A member account's credentials may describe their organization, not list its accounts.
    stubber.add_response(
        "describe_organization", {"Organization": {"Id": ORG_ID, "Arn": ORG_ARN, "MasterAccountId": MANAGEMENT}}
    )
    stubber.add_client_error("list_roots", service_error_code="AccessDeniedException", http_status_code=403)

    with pytest.raises(organizations.OrganizationsError, match=r"organizations:ListRoots"):
        organizations.read_tree(raw)


# --- hosts and groups (pure) ---------------------------------------------------


def test_every_account_is_a_host_in_the_groups_the_playbooks_target(client):
    plan = planned(client, partnercentral_account="Partner Central")
    groups = plan["groups"]

    assert groups["management"]["hosts"] == [MANAGEMENT_HOST]
    assert groups["partnercentral"]["hosts"] == ["partner-central"]
    assert sorted(groups["members"]["hosts"]) == ["dev", "prod-data", "prod-web"]
    assert sorted(groups["ou_root_workloads_prod"]["hosts"]) == ["prod-data", "prod-web"]
    assert groups["ou_root_workloads"]["children"] == ["ou_root_workloads_prod", "ou_root_workloads_dev"]
    assert sorted(groups["ou_root"]["children"]) == ["ou_root_security", "ou_root_workloads"]
    assert sorted(groups["ou_root"]["hosts"]) == [MANAGEMENT_HOST, "partner-central"]


def test_suspended_and_closed_accounts_are_grouped_but_not_targeted(client):
    plan = planned(client)
    groups = plan["groups"]
    targeted = {host for name, group in groups.items() if not name.startswith("status_") for host in group["hosts"]}

    assert groups["status_suspended"]["hosts"] == ["dev-old"]
    assert groups["status_closed"]["hosts"] == ["old-audit"]
    assert "dev-old" not in targeted and "old-audit" not in targeted
    assert sorted(groups["status_active"]["hosts"]) == sorted(
        [MANAGEMENT_HOST, "partner-central", "prod-web", "prod-data", "dev"]
    )
    assert plan["hosts"]["dev-old"]["aws_account_status"] == "SUSPENDED"


def test_target_states_can_let_suspended_accounts_in(client):
    plan = planned(client, target_states=["ACTIVE", "SUSPENDED"])

    assert "dev-old" in plan["groups"]["members"]["hosts"]
    assert "dev-old" in plan["groups"]["ou_root_workloads_dev"]["hosts"]
    assert "old-audit" not in plan["groups"]["members"]["hosts"]


def test_host_variables_follow_the_inventory_contract(client):
    plan = planned(client, partnercentral_account="210987654321", account_region="eu-west-1")
    hosts = plan["hosts"]

    assert hosts["prod-web"] == {
        "aws_account_id": "111111111111",
        "aws_region": "eu-west-1",
        "aws_assume_role_arn": "arn:aws:iam::111111111111:role/OrganizationAccountAccessRole",
        "aws_account_name": "Prod Web",
        "aws_account_email": "aws+111111111111@example.com",
        "aws_account_status": "ACTIVE",
        "aws_organizational_unit_id": PROD,
        "aws_organizational_unit_path": "Root/Workloads/Prod",
        "aws_organization_id": ORG_ID,
        "aws_management_account_id": MANAGEMENT,
    }
    # The playbooks reach the management account with the credentials they are given, not through a role.
    assert "aws_assume_role_arn" not in hosts[MANAGEMENT_HOST]
    assert hosts["partner-central"]["aws_assume_role_arn"].endswith(":role/OrganizationAccountAccessRole")


def test_assume_role_name_and_partition_make_the_role_arn():
    tree = {
        "organization": {
            "id": ORG_ID,
            "arn": f"arn:aws-us-gov:organizations::{MANAGEMENT}:organization/{ORG_ID}",
            "management_account_id": MANAGEMENT,
        },
        "units": [{"id": ROOT_ID, "name": "Root", "path": "Root", "ids": [ROOT_ID]}],
        "accounts": [
            {
                "id": MANAGEMENT,
                "name": "Management",
                "state": "ACTIVE",
                "unit_id": ROOT_ID,
                "unit_path": "Root",
                "tags": None,
            },
            {
                "id": "111111111111",
                "name": "Web",
                "state": "ACTIVE",
                "unit_id": ROOT_ID,
                "unit_path": "Root",
                "tags": None,
            },
        ],
    }

    hosts = plugin.plan_inventory(tree, settings(assume_role_name="/admin/Auditor"))["hosts"]
    assert hosts["web"]["aws_assume_role_arn"] == "arn:aws-us-gov:iam::111111111111:role/admin/Auditor"

    hosts = plugin.plan_inventory(tree, settings(assume_role_name=""))["hosts"]
    assert "aws_assume_role_arn" not in hosts["web"]


def test_hosts_can_be_named_by_account_id(client):
    plan = planned(client, hostnames="id", partnercentral_account="Partner Central")

    assert plan["groups"]["partnercentral"]["hosts"] == ["210987654321"]
    assert plan["groups"]["management"]["hosts"] == [MANAGEMENT]


def test_accounts_whose_names_collide_get_their_id_added():
    accounts = [
        {"id": "111111111111", "name": "Prod Web"},
        {"id": "222222222222", "name": "prod-web"},
        {"id": "333333333333", "name": "Dev"},
        {"id": "444444444444", "name": "!!!"},
        {"id": "555555555555", "name": "Members"},
    ]

    assert plugin.host_names(accounts, "name") == {
        "111111111111": "prod-web-111111111111",
        "222222222222": "prod-web-222222222222",
        "333333333333": "dev",
        "444444444444": "444444444444",
        "555555555555": "members-555555555555",
    }


def test_accounts_are_filtered_by_id_name_or_pattern(client):
    plan = planned(client, include_accounts=["Prod *", "333333333333"], exclude_accounts=["prod-data"])

    assert sorted(plan["hosts"]) == ["dev", "prod-web"]
    assert plan["groups"]["management"]["hosts"] == []


def test_a_partnercentral_account_the_organization_lacks_is_refused_naming_its_accounts(client):
    with pytest.raises(ValueError, match=r"'Partner Centrall' is no account of organization .*Prod Web"):
        planned(client, partnercentral_account="Partner Centrall")


def test_a_partnercentral_account_left_out_by_filters_is_a_warning(client):
    plan = planned(client, partnercentral_account="Partner Central", exclude_accounts=["partner-central"])

    assert plan["groups"]["partnercentral"]["hosts"] == []
    assert "filters" in plan["warnings"][0]


def test_the_management_account_cannot_be_the_partnercentral_account(client):
    with pytest.raises(ValueError, match="must be linked to a member account"):
        planned(client, partnercentral_account="Management")


def test_every_bad_option_is_reported_at_once_before_any_call():
    problems = plugin.settings_problems(
        settings(
            assume_role_name="Organization Access",
            target_states=["ACTIVE", "GONE"],
            include_organizational_units=["/"],
            exclude_accounts=[" "],
        )
    )

    assert len(problems) == 4
    assert "assume_role_name" in problems[0] and "GONE" in problems[1]


# --- the plugin as ansible-inventory runs it ------------------------------------


class PluginRun:
    def __init__(self, tmp_path, config, monkeypatch):
        self.path = tmp_path / "org.aws_organization.yml"
        self.path.write_text(textwrap.dedent(config))
        self.monkeypatch = monkeypatch

    def parse(self, expect=None, cache=True):
        """One ansible-inventory run; ``expect(stubber)`` stubs the AWS calls it may make (none by default)."""
        raw = organizations_client()
        inventory = InventoryData()
        module = inventory_loader.get("diatonic.partnercentral.aws_organization")
        self.monkeypatch.setattr(module, "client", lambda service, **kwargs: raw, raising=False)
        with Stubber(raw) as stubber:
            if expect:
                expect(stubber)
            module.parse(inventory, DataLoader(), str(self.path), cache=cache)
            if hasattr(module, "_cache"):  # as ansible-inventory does after parse, when caching is on
                module.update_cache_if_changed()
            stubber.assert_no_pending_responses()
        inventory.reconcile_inventory()
        return inventory


def group_hosts(inventory, group):
    return sorted(host.name for host in inventory.groups[group].get_hosts())


def test_the_plugin_adds_constructed_groups_and_variables(tmp_path, monkeypatch):
    run = PluginRun(
        tmp_path,
        """
        plugin: diatonic.partnercentral.aws_organization
        partnercentral_account: Partner Central
        compose:
          aws_profile: "'org-admin'"
        groups:
          production: aws_organizational_unit_path is search('/Prod$')
        keyed_groups:
          - key: aws_account_tags.team | default('none')
            prefix: team
        include_tags: true
        """,
        monkeypatch,
    )

    inventory = run.parse(lambda stubber: expect_reads(stubber, tags={"111111111111": {"team": "web"}}))

    # ou_root_workloads reaches the accounts of its child units too.
    assert group_hosts(inventory, "ou_root_workloads") == ["dev", "prod-data", "prod-web"]
    assert group_hosts(inventory, "production") == ["prod-data", "prod-web"]
    assert group_hosts(inventory, "team_web") == ["prod-web"]
    assert inventory.get_host("dev").vars["aws_profile"] == "org-admin"
    assert group_hosts(inventory, "all") == sorted(
        [MANAGEMENT_HOST, "partner-central", "prod-web", "prod-data", "dev", "dev-old", "old-audit"]
    )


def test_a_cached_inventory_makes_no_call_until_the_cache_is_flushed(tmp_path, monkeypatch):
    run = PluginRun(
        tmp_path,
        f"""
        plugin: diatonic.partnercentral.aws_organization
        cache: true
        cache_plugin: ansible.builtin.jsonfile
        cache_connection: {tmp_path / "cache"}
        """,
        monkeypatch,
    )

    first = run.parse(lambda stubber: expect_reads(stubber))
    again = run.parse()  # the Stubber fails any call
    flushed = run.parse(lambda stubber: expect_reads(stubber), cache=False)

    assert group_hosts(again, "members") == group_hosts(first, "members") == group_hosts(flushed, "members")
    assert group_hosts(again, "members") == ["dev", "partner-central", "prod-data", "prod-web"]


def test_bad_options_stop_the_plugin_before_any_call(tmp_path, monkeypatch):
    run = PluginRun(
        tmp_path,
        """
        plugin: diatonic.partnercentral.aws_organization
        assume_role_name: Not A Role
        target_states: [ACTIVE, ASLEEP]
        """,
        monkeypatch,
    )

    with pytest.raises(AnsibleParserError, match=r"assume_role_name .*ASLEEP.*Nothing was read"):
        run.parse()
