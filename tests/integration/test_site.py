"""playbooks/site.yml: the phases in order, with preflight as the gate (DESIGN.md contract 7).

One organization, as a user meets it: its Partner Central account first fails preflight (no root MFA, no logging
trail) and gets nothing from the later phases; once its baseline is in place, the next run of site.yml gives it its
persona roles. Two site.yml runs (the costliest playbook: every phase) serve every test here. That the second run
left nothing to do is shown by a preview of the persona roles; each phase's own rerun is tested in its own file
(test_personas_playbook.py, test_identity_center.py, test_validate_playbook.py...).
"""

import os
from dataclasses import dataclass

import pytest
from integration_support import PERSONAS_PLAYBOOK
from integration_support import ROOT
from integration_support import PlaybookRun
from integration_support import assert_persona_roles
from integration_support import make_org
from integration_support import partner_central_roles
from integration_support import run_playbook
from integration_support import write_calls
from preflight.support import put_baseline_in_place

SITE = os.path.join(ROOT, "playbooks", "site.yml")
IDENTITY_CENTER_TASK = "Converge the Identity Center permission sets"
# Every phase, twice: started first so that it does not end the run alone.
pytestmark = pytest.mark.long_file


@dataclass
class Site:
    org: object
    refused: PlaybookRun
    refused_calls: list
    refused_roles: dict
    ready: PlaybookRun
    ready_reports: list[str]
    preview: PlaybookRun
    preview_calls: list


@pytest.fixture(scope="module")
def site(sandbox, tmp_path_factory):
    """site.yml on an organization whose Partner Central account fails preflight, then again once it is ready,
    then a preview (personas.yml --check --diff); each from the user's own directory, with its calls."""
    # The sandbox's management account, ready; a new Partner Central account without root MFA or a logging trail.
    org = make_org(sandbox, tmp_path_factory.mktemp("site"), members=0)

    def run_site(name):
        cwd = os.path.join(org.directory, name)
        os.makedirs(cwd)
        # The repository's ansible.cfg (pipelining) from the user's directory, as a user's own config would be.
        settings = {"ANSIBLE_CONFIG": os.path.join(ROOT, "ansible.cfg")}
        run = run_playbook(
            sandbox, SITE, inventory=org.inventory, extra_vars={}, tmp=org.directory, cwd=cwd, ansible_settings=settings
        )
        return run, cwd

    sandbox.reset_calls()
    refused, _cwd = run_site("refused")
    refused_calls = sandbox.calls()
    refused_roles = partner_central_roles(org.iam(org.partnercentral))

    put_baseline_in_place(sandbox, org.partnercentral)
    ready, cwd = run_site("ready")
    reports = sorted(os.listdir(os.path.join(cwd, "reports")))

    sandbox.reset_calls()
    preview = org.playbook("--check", "--diff", playbook=PERSONAS_PLAYBOOK)
    return Site(org, refused, refused_calls, refused_roles, ready, reports, preview, sandbox.calls())


def ran(run: PlaybookRun, task: str) -> list[dict]:
    """The results of ``task`` that were not skipped."""
    return [r for r in run.results(task) if r["status"] != "skipping"]


def test_an_account_that_fails_preflight_gets_nothing_from_the_later_phases(site):
    assert not site.refused.ok, site.refused.log
    assert "root_mfa" in site.refused.stdout and "cloudtrail" in site.refused.stdout, site.refused.log
    assert site.refused_roles == {}
    assert write_calls(site.refused_calls) == []
    # Identity Center (phase 5) writes for the Partner Central account: it does not even start.
    assert ran(site.refused, IDENTITY_CENTER_TASK) == [], site.refused.log


def test_a_ready_organization_gets_its_persona_roles_and_every_phase_report(site):
    assert site.ready.ok, site.ready.log
    assert_persona_roles(site.org.iam(site.org.partnercentral))
    assert ran(site.ready, IDENTITY_CENTER_TASK), "phase 5 did not run for a ready account" + site.ready.log
    # DoiT onboarding runs only where its variables are set.
    assert "doitintl_cmp" not in [r["RoleName"] for r in site.org.iam(site.org.management).list_roles()["Roles"]]
    # Every phase reported under the directory the user started from, ending with the readiness report.
    for name in ("preflight.json", "baseline.json", "identity_center.json", "validation.json", "readiness.html"):
        assert name in site.ready_reports, site.ready_reports


def test_after_a_ready_run_a_preview_has_nothing_left_to_change(site):
    assert site.preview.ok and site.preview.changed == 0, site.preview.log
    assert write_calls(site.preview_calls) == []
