"""What the validate.yml tests share: an account as found after the migration, a run of the playbook and its report."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import pytest
from integration_support import PERSONA_POLICIES
from integration_support import ROOT
from integration_support import PlaybookRun
from integration_support import aws_client
from integration_support import aws_policy_arn
from integration_support import create_role_by_hand
from integration_support import run_playbook
from module_in_process import run_module
from standin_support import link_partner_central

from ansible_collections.diatonic.partnercentral.plugins.filter.personas import persona_roles

PLAYBOOK = os.path.join(ROOT, "playbooks", "validate.yml")
SCHEMA = os.path.join(ROOT, "schemas", "report-1.json")
CLOUD_ADMIN = "PartnerCentralRoleForCloudAdmin-Abc123"
ASSOCIATION = aws_policy_arn("PartnerCentralAccountManagementUserRoleAssociation")
DRIFTED_ROLE = "PartnerCentralRoleForReadOnly"
REFUSED_ROLE = "PartnerCentralRoleForACEManager"


@dataclass
class Validated:
    org: object
    run: PlaybookRun
    calls: list[dict]
    report: dict

    def record(self, record_id: str) -> dict:
        (found,) = [
            r for r in self.report["records"] if r["id"] == record_id and r["account"] == self.org.partnercentral
        ]
        return found


def set_up_the_migrated_account(org, drift=True) -> None:
    """The persona roles as the personas playbook makes them, and AWS's cloud admin role of a linked account."""
    iam = org.iam(org.partnercentral)
    for name, policies in PERSONA_POLICIES.items():
        create_role_by_hand(iam, name, [aws_policy_arn(p) for p in sorted(policies)])
    create_role_by_hand(iam, CLOUD_ADMIN, [ASSOCIATION])
    link_partner_central(org.sandbox, org.partnercentral, legal_name="Diatonic AI")
    if drift:
        iam.detach_role_policy(RoleName=DRIFTED_ROLE, PolicyArn=aws_policy_arn("ReadOnlyAccess"))


def refuse_assume_role(org, role_name: str) -> None:
    """Someone tries the persona role the way a user mapped to it would be let in; the sandbox refuses it (its
    trust lets in only the Partner Central service) and CloudTrail records the denial in the role's account."""
    sts = aws_client(org.sandbox, "sts", org.partnercentral)
    with pytest.raises(sts.exceptions.ClientError, match="AccessDenied"):
        sts.assume_role(RoleArn=f"arn:aws:iam::{org.partnercentral}:role/{role_name}", RoleSessionName="mapped-user")


def validate(org, *args, inventory=None, env=None, name="validation", **extra_vars) -> tuple[PlaybookRun, dict | None]:
    report_dir = os.path.join(org.directory, name)
    run = run_playbook(
        org.sandbox,
        PLAYBOOK,
        *args,
        inventory=inventory or org.inventory,
        extra_vars={"validation_report_dir": report_dir, "validation_cloudtrail_window_hours": 1, **extra_vars},
        env=env,
        tmp=org.directory,
    )
    path = os.path.join(report_dir, "validation.json")
    if not os.path.exists(path):
        return run, None
    with open(path) as handle:
        return run, json.load(handle)


def statuses(report: dict, account: str) -> dict:
    return {r["id"]: r["status"] for r in report["records"] if r["account"] == account}


def validation_records(account: str, env: dict, check_mode: bool = False, expect_failure: bool = False) -> list[dict]:
    """The records of the validation role's three modules (roles/validation/tasks/checks.yml, with its defaults and
    the tests' one-hour CloudTrail window), each run in-process with ``env``; each must succeed unless told."""
    results = [
        run_module(
            "partnercentral_roles_info",
            {"roles": persona_roles(None), "report_undeclared": True, "expected_account_id": account},
            env,
            check_mode=check_mode,
        ),
        run_module("partnercentral_linking_info", {"catalog": "AWS", "expected_account_id": account}, env, check_mode),
        run_module(
            "assume_role_denials_info",
            {"window_hours": 1, "max_pages": 200, "region": "us-east-1", "expected_account_id": account},
            env,
            check_mode,
        ),
    ]
    if not expect_failure:
        for result in results:
            assert not result.get("failed"), result
    return [record for result in results for record in result.get("records", [])]
