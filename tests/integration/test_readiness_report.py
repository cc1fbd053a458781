"""playbooks/readiness_report.yml: the readiness report a person opens, checked in a real headless Chromium.

One run of the playbook from a user's directory holding the reports other playbooks wrote (no AWS call, so no
sandbox), then the page opened once in the browser; the tests assert on what a person sees there: the summary's
verdicts and counts, every phase of every account with each item's state (icon, colour and text), the sign-off
block, and that the page asked for nothing but itself.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass

import jsonschema
import pytest
from headless_chromium import Page
from headless_chromium import open_page
from integration_support import ROOT
from integration_support import PlaybookRun
from integration_support import run_playbook
from integration_support import write_inventory

PLAYBOOK = os.path.join(ROOT, "playbooks", "readiness_report.yml")
MANAGEMENT, PC, MEMBER = "123456789012", "210987654321", "916873234430"
HOSTS = {MANAGEMENT: "org-management", PC: "org-partnercentral", MEMBER: "org-member-1"}
with open(os.path.join(ROOT, "schemas", "report-1.json")) as handle:
    SCHEMA = json.load(handle)


def record(id, phase, account, status, evidence=None, remedy=None, blocking=True, who=None):  # noqa: A002
    return {
        "id": id,
        "phase": phase,
        "title": id,
        "account": account,
        "status": status,
        "blocking": blocking,
        "evidence": evidence,
        "remedy": remedy,
        "who": who,
    }


def report(playbook, records, generated_at="2026-11-26T09:00:00Z"):
    # Written out as the playbooks write them (schema report-1.json), not made by the code under test.
    return {
        "schema_version": 1,
        "playbook": playbook,
        "generated_at": generated_at,
        "check_mode": False,
        "ready": False,
        "accounts": [],
        "records": records,
    }


REPORTS = {
    "preflight.json": report(
        "preflight",
        [
            record("preflight.account_id", "1", PC, "verified", "the credentials belong to 210987654321"),
            record("preflight.membership", "0", PC, "verified", "a member of o-abc"),
            record("preflight.organization_member", "1", PC, "verified", "ACTIVE member"),
            record("preflight.management_account", "1", PC, "verified", "managed by 123456789012"),
            record("preflight.plan", "0", PC, "failed", "on the Free plan", "upgrade to the Paid plan"),
            record("preflight.managed_policies", "3", PC, "unknown", "could not check: throttled", "run again"),
            record("baseline.root_mfa", "2", PC, "verified", "AccountMFAEnabled=1"),
            record("baseline.console_users_mfa", "2", PC, "verified", "no console user without MFA"),
            record("baseline.cloudtrail", "2", PC, "verified", "trail <org-trail> logging"),
        ],
    ),
    "baseline.json": report(
        "baseline",
        [
            record("baseline.root_mfa", "2", MEMBER, "failed", "AccountMFAEnabled=0", "enable root MFA"),
            record("baseline.console_users_mfa", "2", MEMBER, "verified", "none"),
            record("baseline.cloudtrail", "2", MEMBER, "verified", "org trail"),
        ],
    ),
    "doit_onboarding.json": report(
        "doit_onboarding",
        [
            record("doit.management_account", "doit-1", MANAGEMENT, "verified", "the management account"),
            record("doit.spp", "doit-2", MANAGEMENT, "manual", None, "onboard the org to SPP", False, "DoiT"),
        ],
    ),
    "notes.json": {"not": "a report"},
}


@dataclass
class Opened:
    run: PlaybookRun
    report: dict
    markdown: str
    html: str
    page: Page


# What a person sees, read from the rendered page (innerText: the text as laid out, hidden text left out).
SEEN = """(() => {
  const shown = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const text = el => el ? el.innerText.trim() : null;
  return {
    title: document.title,
    organization: text(document.querySelector('#organization-verdict')),
    summary: [...document.querySelectorAll('#summary-counts tbody tr')].map(tr => ({
      account: tr.dataset.account, cells: [...tr.children].map(text)})),
    headers: [...document.querySelectorAll('#summary-counts thead th')].map(text),
    accounts: [...document.querySelectorAll('section.account')].map(section => ({
      account: section.dataset.account,
      heading: text(section.querySelector('h2')),
      phases: [...section.querySelectorAll('section.phase')].map(phase => ({
        phase: phase.dataset.phase,
        title: text(phase.querySelector('h3')),
        items: [...phase.querySelectorAll('tr.item')].map(row => ({
          key: row.dataset.item,
          status: row.dataset.status,
          shown: shown(row),
          state: text(row.querySelector('.state')),
          colour: getComputedStyle(row.querySelector('.state')).backgroundColor,
          text: text(row)}))}))})),
    signoff: shown(document.querySelector('#signoff')) ? text(document.querySelector('#signoff')) : null,
  };
})()"""


@pytest.fixture(scope="module")
def opened(tmp_path_factory) -> Opened:
    home = tmp_path_factory.mktemp("user")  # a user's directory: reports/ is under it
    reports = home / "reports"
    reports.mkdir()
    for name, content in REPORTS.items():
        (reports / name).write_text(json.dumps(content))
    inventory = write_inventory(
        home,
        management={"aws_account_id": MANAGEMENT},
        partnercentral={"aws_account_id": PC},
        members=[{"aws_account_id": MEMBER}],
    )
    run = run_playbook(None, PLAYBOOK, inventory=inventory, env=dict(os.environ), cwd=str(home), tmp=str(home))
    assert run.ok, run.log
    written = {ext: (reports / f"readiness.{ext}").read_text() for ext in ("json", "md", "html")}
    page = open_page((reports / "readiness.html").as_uri(), SEEN)
    return Opened(run, json.loads(written["json"]), written["md"], written["html"], page)


def test_the_run_writes_three_files_in_the_users_reports_directory_and_changes_nothing(opened):
    assert opened.run.changed == 0, opened.run.log
    assert re.search(r"Open \S+/reports/readiness\.html in a browser", opened.run.stdout), opened.run.log


def test_the_json_validates_against_the_shipped_schema_and_says_what_it_could_not_read(opened):
    jsonschema.Draft202012Validator(SCHEMA).validate(opened.report)
    assert opened.report["playbook"] == "readiness"
    problems = [i for i in opened.report["inputs"] if i["problem"]]
    assert [os.path.basename(i["path"]) for i in problems] == ["notes.json"]
    assert {os.path.basename(i["path"]) for i in opened.report["inputs"]} == set(REPORTS)


def test_the_page_asks_for_nothing_but_itself(opened):
    assert [url for url in opened.page.requested if not url.startswith(("file://", "data:"))] == []
    assert opened.page.requested, "the browser saw no request at all: was the page loaded?"
    assert opened.page.console_errors == []
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", opened.html, re.IGNORECASE)
    assert "<script" not in opened.html.lower()


def test_the_summary_shows_each_accounts_verdict_and_counts_as_the_json_has_them(opened):
    seen = opened.page.value
    assert seen["organization"] == "Not ready" and seen["title"].endswith("Not ready")
    statuses = ["verified", "failed", "manual", "unknown", "skipped"]
    assert seen["headers"][4:] == ["\u2714 Verified", "\u2716 Failed", "\u270d Manual", "? Unknown", "\u2013 Skipped"]
    rows = {row["account"]: row["cells"] for row in seen["summary"]}
    for account in opened.report["accounts"]:
        cells = rows[account["account"]]
        assert cells[1] == HOSTS[account["account"]]
        assert [int(n) for n in cells[4:]] == [account["counts"].get(s, 0) for s in statuses]
    assert rows[PC][3] == "Not ready"  # the Free plan failed
    assert rows[MEMBER][3] == "Not ready"  # the member's root MFA failed
    assert rows[MANAGEMENT][3] == "Not verified yet"  # most of DoiT's steps have no record yet
    organization = opened.report["organization"]["counts"]
    assert [int(n) for n in rows["organization"][4:]] == [organization.get(s, 0) for s in statuses]


def test_every_phase_of_every_account_shows_each_item_with_its_state(opened):
    seen = {a["account"]: a for a in opened.page.value["accounts"]}
    assert list(seen) == [MANAGEMENT, PC, MEMBER]
    assert [p["title"] for p in seen[PC]["phases"]] == [
        "Phase 0: Decision",
        "Phase 1: CLI Access",
        "Phase 2: Security Baseline",
        "Phase 3: Managed Policies",
        "Phase 4: IAM Roles",
        "Phase 5: Identity Center (Optional)",
        "Phase 6: Account Linking",
        "Phase 7: User Mapping",
        "Phase 8: Migration",
    ]
    assert sum(len(p["items"]) for p in seen[PC]["phases"]) == 31
    assert [p["phase"] for p in seen[MANAGEMENT]["phases"]] == ["2", "doit-1", "doit-2", "doit-3"]
    assert sum(len(p["items"]) for p in seen[MANAGEMENT]["phases"] if p["phase"].startswith("doit")) == 16
    labels = {"verified": "Verified", "failed": "Failed", "manual": "Manual", "unknown": "Unknown"}
    shown = {(a, i["key"]): i for a, account in seen.items() for p in account["phases"] for i in p["items"]}
    for item in opened.report["records"]:
        key = item["id"].split(".", 1)[1]
        key = ("doit-" + key) if item["id"].startswith("doit_steps.") else key
        row = shown[(item["account"], key)]
        assert row["shown"] and row["status"] == item["status"], (item, row)
        assert row["state"].endswith(labels[item["status"]]), row
        assert item["title"] in row["text"]


def test_each_state_reads_at_a_glance_by_its_colour_and_says_what_to_do(opened):
    rows = [i for a in opened.page.value["accounts"] for p in a["phases"] for i in p["items"]]
    colours = {}
    for row in rows:
        colours.setdefault(row["status"], set()).add(row["colour"])
    assert {s: len(c) for s, c in colours.items()} == {"verified": 1, "failed": 1, "manual": 1, "unknown": 1}
    assert len({next(iter(c)) for c in colours.values()}) == 4
    by_key = {
        (a["account"], i["key"]): i["text"]
        for a in opened.page.value["accounts"]
        for p in a["phases"]
        for i in p["items"]
    }
    assert "Remedy: upgrade to the Paid plan" in by_key[(PC, "0.2")]
    assert "Evidence: preflight.plan (preflight): on the Free plan" in by_key[(PC, "0.2")]
    assert "Remedy: run playbooks/validate.yml" in by_key[(PC, "4.1")]
    assert "Step: schedule the migration window" in by_key[(PC, "8.1")]
    assert "Confirm:" in by_key[(PC, "8.1")]
    assert "Who: DoiT" in by_key[(MANAGEMENT, "doit-2.5")]
    assert "trail <org-trail> logging" in by_key[(PC, "2.2")]  # text, escaped, not markup


def test_the_page_ends_with_a_sign_off_block_and_the_markdown_says_the_same(opened):
    signoff = opened.page.value["signoff"]
    assert signoff and "IAM Administrator" in signoff and "Migration window" in signoff
    assert "## Sign-off" in opened.markdown
    assert "- \u2716 **Failed** 0.2 Account on Paid plan" in opened.markdown
    assert opened.markdown.count("### Phase ") == 9 + 2  # the Partner Central account's, and phase 2 twice more
