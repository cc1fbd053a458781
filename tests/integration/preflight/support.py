"""What only the preflight tests need, on top of integration_support: the baseline put in place by hand, an
organization with one Partner Central account and one member, and the preflight's report.

What a correct setup is (a member account on the Paid plan, root MFA, a logging multi-region trail, a recording
AWS Config recorder, a strict password policy) is written out as a user would set it up, not taken from the
collection: here and in tests/sandbox/seed.py (put_baseline_in_place, which the benchmark shares).
"""

from __future__ import annotations

import itertools
import json
import os
from dataclasses import dataclass

import seed as _seed  # tests/sandbox, on sys.path through conftest.py
from integration_support import DEFAULT_ACCOUNT_ID
from integration_support import ROOT
from integration_support import Org
from integration_support import PlaybookRun
from integration_support import assume_role_arn
from integration_support import aws_client
from integration_support import new_account_id
from integration_support import run_playbook
from integration_support import write_inventory

PREFLIGHT = os.path.join(ROOT, "playbooks", "preflight.yml")
BASELINE = os.path.join(ROOT, "playbooks", "baseline.yml")
MEMBER_HOST = "org-member"

TRAIL = _seed.BASELINE_TRAIL
RECORDER = _seed.BASELINE_RECORDER


def put_baseline_in_place(sandbox, account_id: str) -> None:
    """Phase 2 done right: root MFA, a logging multi-region trail, AWS Config recording, a strict password policy."""
    _seed.put_baseline_in_place(sandbox.endpoint, lambda service: aws_client(sandbox, service, account_id), account_id)


# --- inventories (DESIGN.md contract 2) ---------------------------------------


class PreflightOrg(Org):
    """An inventory for one test: the sandbox's management account, a Partner Central account, one member."""

    @property
    def member(self) -> str:
        return self.members[0]

    def preflight(self, *args: str, extra_vars: dict | None = None, env: dict | None = None) -> PreflightRun:
        report = os.path.join(self.directory, f"preflight-{next(_reports)}.json")
        run = run_playbook(
            self.sandbox,
            PREFLIGHT,
            *args,
            inventory=self.inventory,
            extra_vars={"preflight_report_path": report, **(extra_vars or {})},
            tmp=self.directory,
            verbose=False,
            env=env,
        )
        return PreflightRun(run, report)


_reports = itertools.count(1)


def make_org(sandbox, directory, partnercentral_vars=None, baseline: bool = True, management_vars=None) -> PreflightOrg:
    """A new Partner Central account and member in the sandbox's organization, the baseline in place unless told.

    ``partnercentral_vars(partnercentral, member)`` gives the Partner Central host's variables when the test needs
    other ones than its account ID and OrganizationAccountAccessRole, ``management_vars(partnercentral, member)``
    the management host's (by default its account ID and the default credentials); the organization is seeded
    with the usual ones.
    """
    partnercentral, member = new_account_id(), new_account_id()

    def inventory(pc_vars: dict, management: dict | None = None) -> str:
        return write_inventory(
            directory,
            management=management or {"aws_account_id": DEFAULT_ACCOUNT_ID},
            partnercentral=pc_vars,
            members={MEMBER_HOST: {"aws_account_id": member, "aws_assume_role_arn": assume_role_arn(member)}},
        )

    path = inventory({"aws_account_id": partnercentral, "aws_assume_role_arn": assume_role_arn(partnercentral)})
    sandbox.seed(path)
    if baseline:
        put_baseline_in_place(sandbox, partnercentral)
    if partnercentral_vars is not None or management_vars is not None:
        default = {"aws_account_id": partnercentral, "aws_assume_role_arn": assume_role_arn(partnercentral)}
        path = inventory(
            partnercentral_vars(partnercentral, member) if partnercentral_vars else default,
            management_vars(partnercentral, member) if management_vars else None,
        )
    return PreflightOrg(sandbox, str(directory), path, DEFAULT_ACCOUNT_ID, partnercentral, [member])


# --- ansible-playbook ---------------------------------------------------------


@dataclass
class PreflightRun:
    """A run of playbooks/preflight.yml and the JSON report it wrote."""

    run: PlaybookRun
    report_path: str

    @property
    def report(self) -> dict:
        assert os.path.exists(self.report_path), f"no report written{self.log}"
        with open(self.report_path) as handle:
            return json.load(handle)

    def account(self, host: str) -> dict:
        """The host's account: its summary in the report, with ``ready`` and its ``records``."""
        (summary,) = [a for a in self.report["accounts"] if a["host"] == host]
        records = [r for r in self.report["records"] if r["account"] == summary["account"]]
        return {**summary, "ready": summary["verdict"] == "ready", "records": records}

    def verdicts(self) -> dict:
        """Per account: its verdict, and each record's id, status and evidence; what check mode must reproduce."""
        return {
            summary["account"]: (
                summary["verdict"],
                [
                    (r["id"], r["status"], r["evidence"])
                    for r in self.report["records"]
                    if r["account"] == summary["account"]
                ],
            )
            for summary in self.report["accounts"]
        }

    @property
    def log(self) -> str:
        return self.run.log
