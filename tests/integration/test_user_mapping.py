"""playbooks/user_mapping.yml (phase 7) against a seeded sandbox organization.

What a user checks: from an export spelled as Excel saves it, the mapping lands as CSV and Markdown under the
directory they ran ansible-playbook in, check mode writes none of it, a rerun changes nothing, and a mapped role
that is missing or trusts someone else, or a malformed line, is named with nothing written. The CSV and rule cases
are unit tests (tests/unit/test_user_mapping.py); here each run serves several assertions: the apply runs with only
the shipped policy (policies/user_mapping.json) under IAM enforcement, the rerun while IAM throttles and fails the
role reads (faults_support). A malformed export is the module's own refusal, run in-process (module_in_process.py).
"""

import os
from dataclasses import dataclass

import pytest
from faults_support import injected
from integration_support import SERVICE_PRINCIPAL
from integration_support import Org
from integration_support import PlaybookRun
from integration_support import make_org
from integration_support import run_playbook
from integration_support import write_calls
from least_privilege_support import caller_env
from least_privilege_support import iam_enforced
from least_privilege_support import load_policy
from least_privilege_support import runner_inventory
from least_privilege_support import unauthorized
from module_in_process import run_module
from user_mapping_support import CLOUD_ADMIN_ROLE
from user_mapping_support import EXPECTED
from user_mapping_support import PLAYBOOK
from user_mapping_support import REFERENCE_DATE
from user_mapping_support import map_users
from user_mapping_support import mapping_rows
from user_mapping_support import records
from user_mapping_support import seed_roles
from user_mapping_support import workdir


@dataclass
class Mapped:
    org: Org
    cwd: str
    check: PlaybookRun
    check_files: list[str]
    check_calls: list[dict]
    policy: dict
    apply: PlaybookRun
    apply_calls: list[dict]
    rerun: PlaybookRun
    rerun_faults: dict


@pytest.fixture(scope="module")
def mapped(sandbox, tmp_path_factory):
    """check mode, then apply with only the shipped policy (IAM enforced), then a rerun while IAM throttles and
    fails half of the role reads: from the user's directory, on one organization."""
    org = make_org(sandbox, tmp_path_factory.mktemp("mapping"), members=0)
    seed_roles(org)
    cwd = workdir(org)
    sandbox.reset_calls()
    check = map_users(org, cwd, "--check", "--diff")
    check_calls = sandbox.calls()
    check_files = sorted(os.listdir(cwd))

    policy = load_policy("user_mapping")
    least_privilege = runner_inventory(org, os.path.join(org.directory, "lp"), "user_mapping", policy)
    env = caller_env(sandbox)  # made with the sandbox's full rights, before enforcement
    with iam_enforced(sandbox):
        apply = map_users(org, cwd, "--diff", inventory=least_privilege, env=env)
        apply_calls = sandbox.calls()

    # The module's back-off must carry every read through.
    reads = {"services": ["iam"], "operations": ["GetRole", "ListRoles"]}
    sandbox.inject_faults(seed=11, throttle=0.4, server_error=0.1, **reads)
    try:
        rerun = map_users(org, cwd)
        rerun_faults = injected(sandbox)
    finally:
        sandbox.inject_faults()
    return Mapped(org, cwd, check, check_files, check_calls, policy, apply, apply_calls, rerun, rerun_faults)


def test_check_mode_writes_no_mapping_and_makes_no_aws_write(mapped):
    assert mapped.check.ok, mapped.check.log
    assert "user_mapping" not in mapped.check_files
    assert write_calls(mapped.check_calls) == []
    assert {call["operation"] for call in mapped.check_calls if call["service"] == "iam"} <= {"GetRole", "ListRoles"}
    assert mapped.check.changed >= 1, "check mode does not say that it would write the mapping" + mapped.check.log
    assert "+drew@example.com,Drew Fortini" in mapped.check.stdout, "--diff does not show the CSV" + mapped.check.log


def test_the_mapping_is_written_under_the_start_directory_as_the_template_says(mapped):
    assert mapped.apply.ok, mapped.apply.log
    rows = mapping_rows(mapped.cwd)
    assert {email: (r["status"], r["action"], r["iam_role"]) for email, r in rows.items()} == EXPECTED
    account = mapped.org.partnercentral
    assert rows["drew@example.com"]["iam_role_arn"] == f"arn:aws:iam::{account}:role/PartnerCentralRoleForAllianceLead"
    assert rows["ace1@example.com"]["name"] == "Ace; Contact 1"
    with open(os.path.join(mapped.cwd, "user_mapping", "user_mapping.md")) as handle:
        markdown = handle.read()
    assert "| Drew Fortini | drew@example.com | Alliance Lead | 2026-11-20 | `PartnerCentralRoleForAllianceLead` |" in (
        markdown
    )
    assert f"`{CLOUD_ADMIN_ROLE}`" in markdown
    assert "Settings > Manage Linked Account > User Mappings" in markdown
    assert "| Never Seen | never@example.com | ACE User | never | inactive: never logged in |" in markdown


def test_the_report_verifies_phase_7_and_leaves_the_console_entry_to_a_person(mapped):
    found = records(mapped.cwd)
    assert {k: v["status"] for k, v in found.items()} == {
        "user_mapping.export": "verified",
        "user_mapping.inactive_users": "verified",
        "user_mapping.active_users_mapped": "verified",
        "user_mapping.alliance_lead": "verified",
        "user_mapping.roles_exist": "verified",
        "user_mapping.console_entry": "manual",
    }
    assert {r["account"] for r in found.values()} == {mapped.org.partnercentral}
    assert found["user_mapping.export"]["evidence"].startswith("7 users read from partner-central-users.csv: 5 active")


def test_the_shipped_policy_is_enough_under_iam_enforcement(mapped):
    assert mapped.apply.ok, mapped.apply.log
    pc_calls = [c for c in mapped.apply_calls if c["account_id"] == mapped.org.partnercentral]
    assert pc_calls, "no call in the Partner Central account was logged under enforcement"
    assert unauthorized(mapped.policy, pc_calls) == []


def test_a_rerun_while_aws_throttles_and_fails_changes_nothing(mapped):
    assert mapped.rerun_faults, "no fault was injected: the test proves nothing"
    assert mapped.rerun.ok, mapped.rerun.log
    assert mapped.rerun.changed == 0, mapped.rerun.log
    rows = mapping_rows(mapped.cwd)
    assert {email: (r["status"], r["action"], r["iam_role"]) for email, r in rows.items()} == EXPECTED


def test_a_missing_role_and_a_wrong_trust_are_named_and_nothing_is_written(sandbox, new_org):
    org = new_org(members=0)
    someone_else = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]}  # fmt: skip
    seed_roles(org, personas=["AllianceLead", "ACEManager", "Technical"], trust={"Technical": someone_else})
    cwd = workdir(org)

    run = map_users(org, cwd)

    assert not run.ok, run.log
    message = " ".join(run.failure_messages())
    assert "PartnerCentralRoleForMarketing does not exist (mapped: marketing@example.com)" in message, run.log
    assert f"PartnerCentralRoleForTechnical trusts ec2.amazonaws.com instead of exactly {SERVICE_PRINCIPAL}" in message
    assert not os.path.exists(os.path.join(cwd, "user_mapping")), "the mapping was written despite the problems"
    found = records(cwd)
    assert found["user_mapping.roles_exist"]["status"] == "failed"
    assert "PartnerCentralRoleForMarketing does not exist" in found["user_mapping.roles_exist"]["evidence"]
    assert found["user_mapping.active_users_mapped"]["status"] == "verified"


def test_a_malformed_export_names_each_line_and_maps_nobody(sandbox, tmp_path):
    """The module's own refusal, in-process; how the playbook fails and reports on the module's failure: the test
    above (a missing role and a wrong trust)."""
    export = tmp_path / "partner-central-users.csv"
    export.write_text(
        "User,Email Address,Current Role,Last Login Date\n"
        "Drew Fortini,drew@example.com,Alliance Lead,2026-11-20\n"
        "Jane Roe,,Marketing,2026-11-20\n"
        "Sam Poe,sam@example.com,Marketing,last week\n"
    )
    options = {
        "export": str(export),
        "reference_date": REFERENCE_DATE,
        "check_roles": False,
        "output": str(tmp_path / "user_mapping"),
    }

    result = run_module("user_mapping", options, sandbox.env())

    assert result.get("failed"), result
    assert "line 3: no e-mail address for Jane Roe" in result["msg"], result
    assert "line 4: last login of sam@example.com: 'last week' is not a date" in result["msg"], result
    assert not result.get("mapping"), result
    found = {r["id"]: r for r in result["records"]}
    assert found["user_mapping.export"]["status"] == "failed"
    assert "line 3: no e-mail address for Jane Roe" in found["user_mapping.export"]["evidence"]


def test_no_export_given_stops_before_any_aws_call(sandbox, new_org):
    org = new_org(members=0)
    sandbox.reset_calls()

    run = run_playbook(sandbox, PLAYBOOK, inventory=org.inventory, tmp=org.directory)

    assert not run.ok, run.log
    assert "user_mapping_export is not set" in " ".join(run.failure_messages()), run.log
    assert sandbox.calls() == []
