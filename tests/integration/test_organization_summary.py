"""playbooks/baseline.yml over an organization of six accounts, one not ready and one unreachable: every other
account is still checked, and the run ends with one organization summary naming each account with its first reason
(shown, and written to reports/baseline-organization.json), which the readiness report reads."""

import json
import os

import pytest
from integration_support import ROOT
from integration_support import make_org
from integration_support import run_playbook
from integration_support import set_state
from preflight.support import put_baseline_in_place

from ansible_collections.diatonic.partnercentral.plugins.filter.readiness import readiness_report

PLAYBOOK = os.path.join(ROOT, "playbooks", "baseline.yml")
READY_HOSTS = ["org-management", "org-partnercentral", "org-member-1", "org-member-2"]


@pytest.fixture(scope="module")
def organization(sandbox, tmp_path_factory):
    """One run over management, Partner Central and four members: member 3 without root MFA or a trail (not
    ready), member 4 whose OrganizationAccountAccessRole cannot be assumed (unreachable)."""
    directory = tmp_path_factory.mktemp("organization")
    org = make_org(sandbox, directory, members=4)
    for account in (org.management, org.partnercentral, *org.members[:2]):
        put_baseline_in_place(sandbox, account)
    set_state(sandbox, org.members[3], unreachable=True)
    paths = {name: str(directory / f"{name}.json") for name in ("baseline", "organization")}
    sandbox.reset_calls()
    run = run_playbook(
        sandbox,
        PLAYBOOK,
        inventory=org.inventory,
        extra_vars={
            "baseline_report_path": paths["baseline"],
            "baseline_organization_report_path": paths["organization"],
        },
        tmp=directory,
        verbose=False,
    )
    reports = {}
    for name, path in paths.items():
        assert os.path.exists(path), f"no {name} report{run.log}"
        with open(path) as handle:
            reports[name] = json.load(handle)
    return org, run, reports, sandbox.calls()


def test_one_broken_and_one_unreachable_account_do_not_stop_the_others(organization):
    org, run, reports, _calls = organization

    checked = {record["account"] for record in reports["baseline"]["records"]}
    assert checked == {org.management, org.partnercentral, *org.members[:3]}, run.log


def test_the_summary_names_every_account_ready_not_ready_or_unreachable_with_its_first_reason(organization):
    org, run, reports, _calls = organization
    summary = reports["organization"]["organization"]

    assert [(p["host"], p["account"]) for p in summary["ready"]] == list(
        zip(READY_HOSTS, [org.management, org.partnercentral, *org.members[:2]], strict=True)
    )
    assert [(p["host"], p["account"]) for p in summary["not_ready"]] == [("org-member-3", org.members[2])]
    assert summary["not_ready"][0]["reason"].startswith("[baseline.root_mfa] "), run.log
    [unreachable] = summary["unreachable"]
    assert (unreachable["host"], unreachable["account"]) == ("org-member-4", org.members[3])
    assert "Assume the account's role" in unreachable["reason"], run.log
    assert "AccessDenied" in unreachable["reason"] or "not authorized" in unreachable["reason"], run.log
    assert summary["accounts"] == 6
    # One record per account, in the shape every report has.
    assert sorted((r["account"], r["id"], r["status"]) for r in reports["organization"]["records"]) == sorted(
        [(a, "baseline.account", "verified") for a in (org.management, org.partnercentral, *org.members[:2])]
        + [(org.members[2], "baseline.account", "failed"), (org.members[3], "baseline.stopped", "unknown")]
    )


def test_the_run_shows_the_summary_at_its_end_and_fails_only_the_accounts_not_ready(organization):
    org, run, _reports, _calls = organization

    assert run.returncode == 2, run.log
    summary = run.stdout.rsplit("TASK [diatonic.partnercentral.report : Show the organization summary]", 1)[-1]
    assert "Baseline over the organization: 4 ready, 1 not ready, 1 unreachable, of 6 accounts" in summary, run.log
    assert f"NOT READY   org-member-3 ({org.members[2]}): [baseline.root_mfa]" in summary, run.log
    assert f"UNREACHABLE org-member-4 ({org.members[3]}): Assume the account's role" in summary, run.log
    recap = run.recap()
    assert {host for host, stats in recap.items() if stats["failed"]} == {"org-member-3", "org-member-4"}, run.log
    assert recap["org-member-4"]["rescued"] == 1, run.log


def test_the_readiness_report_says_why_the_unreachable_account_was_not_checked(organization):
    org, _run, reports, _calls = organization
    accounts = {
        "management": [org.management],
        "partnercentral": [org.partnercentral],
        "members": list(org.members),
    }

    readiness = readiness_report(
        {"baseline.json": reports["baseline"], "baseline-organization.json": reports["organization"]},
        accounts,
        "2026-11-26T15:00:00Z",
        doit=False,
    )

    [trail] = [r for r in readiness["records"] if r["account"] == org.members[3] and r["id"] == "checklist.2.2"]
    assert trail["status"] == "unknown"
    assert trail["evidence"].startswith("not checked: Assume the account's role"), trail


def test_each_account_costs_no_second_proof_of_whose_credentials_these_are(organization):
    _org, _run, _reports, calls = organization

    # The management account's own credentials are asked once (GetCallerIdentity); an assumed role's answer already
    # names the account, so the baseline module does not ask again.
    operations = [c["operation"] for c in calls if c["service"] == "sts"]
    assert operations.count("GetCallerIdentity") == 1, operations
    assert operations.count("AssumeRole") == 5, operations


@pytest.fixture(scope="module")
def preflight(organization, sandbox, tmp_path_factory):
    """preflight.yml over the same organization once the Partner Central account's role cannot be assumed."""
    org = organization[0]
    directory = tmp_path_factory.mktemp("preflight")
    set_state(sandbox, org.partnercentral, unreachable=True)
    report = str(directory / "preflight.json")
    run = run_playbook(
        sandbox,
        os.path.join(ROOT, "playbooks", "preflight.yml"),
        inventory=org.inventory,
        extra_vars={"preflight_report_path": report},
        tmp=directory,
        verbose=False,
    )
    path = str(directory / "preflight-organization.json")
    assert os.path.exists(path), f"no organization summary next to the preflight report{run.log}"
    with open(path) as handle:
        return org, run, json.load(handle)


def test_preflight_names_the_unreachable_partner_central_account_in_its_summary(preflight):
    org, run, summary = preflight

    [unreachable] = summary["organization"]["unreachable"]
    assert (unreachable["host"], unreachable["account"]) == ("org-partnercentral", org.partnercentral), run.log
    assert "Assume the account's role" in unreachable["reason"], run.log
    assert [p["host"] for p in summary["organization"]["ready"] + summary["organization"]["not_ready"]] == [
        "org-management"
    ]
    assert "Preflight over the organization: " in run.stdout, run.log
    assert f"UNREACHABLE org-partnercentral ({org.partnercentral}): Assume the account's role" in run.stdout
    assert run.returncode == 2 and run.recap()["org-partnercentral"]["failed"] == 1, run.log


@pytest.fixture(scope="module")
def validated(preflight, sandbox, tmp_path_factory):
    """validate.yml over the same organization, the Partner Central account still unreachable."""
    org = preflight[0]
    directory = tmp_path_factory.mktemp("validate")
    run = run_playbook(
        sandbox,
        os.path.join(ROOT, "playbooks", "validate.yml"),
        inventory=org.inventory,
        extra_vars={"validation_report_dir": str(directory)},
        tmp=directory,
        verbose=False,
    )
    reports = {}
    for name in ("validation-organization", "readiness"):
        path = str(directory / f"{name}.json")
        assert os.path.exists(path), f"no {name}.json{run.log}"
        with open(path) as handle:
            reports[name] = json.load(handle)
    return org, run, reports


def test_validate_names_the_unreachable_account_and_the_readiness_report_says_why_it_was_not_checked(validated):
    org, run, reports = validated

    [unreachable] = reports["validation-organization"]["organization"]["unreachable"]
    assert (unreachable["host"], unreachable["account"]) == ("org-partnercentral", org.partnercentral), run.log
    assert f"UNREACHABLE org-partnercentral ({org.partnercentral}): Assume the account's role" in run.stdout
    assert run.returncode == 2 and run.recap()["org-partnercentral"]["failed"] == 1, run.log
    # The readiness report still ran, and says why the account's phase 4 items were not checked.
    [roles] = [
        r for r in reports["readiness"]["records"] if r["account"] == org.partnercentral and r["id"] == "checklist.4.1"
    ]
    assert roles["status"] == "unknown"
    assert roles["evidence"].startswith("not checked: Assume the account's role"), roles
