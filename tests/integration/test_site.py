"""playbooks/site.yml: the phases in order, with preflight as the gate (DESIGN.md contract 7)."""

import os

import pytest
from integration_support import ROOT
from integration_support import assert_persona_roles
from integration_support import partner_central_roles
from integration_support import write_calls
from preflight.support import make_org

SITE = os.path.join(ROOT, "playbooks", "site.yml")
# Every phase in two organizations: started first so that it does not end the run alone.
pytestmark = pytest.mark.long_file


def run_site(org, tmp_path, *args):
    report = os.path.join(str(tmp_path), "preflight.json")
    return org.playbook(*args, playbook=SITE, extra_vars={"preflight_report_path": report})


def test_a_ready_organization_gets_its_persona_roles_and_a_rerun_changes_nothing(sandbox, tmp_path):
    org = make_org(sandbox, tmp_path)

    first = run_site(org, tmp_path)
    assert first.ok, first.log
    assert_persona_roles(org.iam(org.partnercentral))
    # DoiT onboarding runs only where its variables are set.
    assert "doitintl_cmp" not in [r["RoleName"] for r in org.iam(org.management).list_roles()["Roles"]]

    sandbox.reset_calls()
    rerun = run_site(org, tmp_path)
    assert rerun.ok and rerun.changed == 0, rerun.log
    assert write_calls(sandbox.calls()) == []


def test_an_account_that_fails_preflight_gets_nothing_from_the_later_phases(sandbox, tmp_path):
    org = make_org(sandbox, tmp_path, baseline=False)  # no root MFA, no logging trail

    sandbox.reset_calls()
    run = run_site(org, tmp_path)

    assert not run.ok, run.log
    assert "root_mfa" in run.stdout and "cloudtrail" in run.stdout, run.log
    assert partner_central_roles(org.iam(org.partnercentral)) == {}
    assert write_calls(sandbox.calls()) == []
