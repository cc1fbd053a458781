"""What the user mapping tests share: the sample export, the roles it needs, a run from a user's directory."""

import csv
import json
import os
import shutil

import jsonschema
from integration_support import HERE
from integration_support import ROOT
from integration_support import Org
from integration_support import PlaybookRun
from integration_support import create_role_by_hand
from integration_support import run_playbook

PLAYBOOK = os.path.join(ROOT, "playbooks", "user_mapping.yml")
EXPORT = os.path.join(HERE, "user_mapping", "users.csv")
# The export's dates are judged on this day, so that the test means the same thing every day.
REFERENCE_DATE = "2026-11-26"
PERSONA_ROLES = ["AllianceLead", "ACEManager", "Marketing", "Technical"]
CLOUD_ADMIN_ROLE = "PartnerCentralRoleForCloudAdmin-ab12cd"
with open(os.path.join(ROOT, "schemas", "report-1.json")) as _schema:
    SCHEMA = json.load(_schema)

# What the export (tests/integration/user_mapping/users.csv) must give, by e-mail.
EXPECTED = {
    "drew@example.com": ("active", "map", "PartnerCentralRoleForAllianceLead"),
    "casey@example.com": ("active", "map", CLOUD_ADMIN_ROLE),
    "ace1@example.com": ("active", "map", "PartnerCentralRoleForACEManager"),
    "marketing@example.com": ("active", "map", "PartnerCentralRoleForMarketing"),
    "tech1@example.com": ("active", "map", "PartnerCentralRoleForTechnical"),
    "old@example.com": ("inactive", "exclude", ""),
    "never@example.com": ("inactive", "exclude", ""),
}


def seed_roles(org: Org, personas=PERSONA_ROLES, cloud_admin=True, trust=None) -> None:
    """The persona roles (as phase 4 leaves them) and the cloud admin role linking creates, in the PC account."""
    iam = org.iam(org.partnercentral)
    for persona in personas:
        create_role_by_hand(iam, f"PartnerCentralRoleFor{persona}", trust=(trust or {}).get(persona))
    if cloud_admin:
        create_role_by_hand(iam, CLOUD_ADMIN_ROLE)


def workdir(org: Org, name: str = "work") -> str:
    """A user's own directory holding the export, where they start ansible-playbook."""
    path = os.path.join(org.directory, name)
    os.makedirs(path, exist_ok=True)
    shutil.copy(EXPORT, os.path.join(path, "partner-central-users.csv"))
    return path


def map_users(org: Org, cwd: str, *args, inventory=None, env=None, **extra_vars) -> PlaybookRun:
    """One run from ``cwd`` with relative paths, as a user types it."""
    variables = {
        "user_mapping_export": "partner-central-users.csv",
        "user_mapping_reference_date": REFERENCE_DATE,
        **extra_vars,
    }
    return run_playbook(
        org.sandbox,
        PLAYBOOK,
        *args,
        inventory=inventory or org.inventory,
        extra_vars=variables,
        env=env,
        tmp=org.directory,
        cwd=cwd,
    )


def report(cwd: str) -> dict:
    with open(os.path.join(cwd, "reports", "user_mapping.json")) as handle:
        found = json.load(handle)
    jsonschema.validate(found, SCHEMA)
    return found


def records(cwd: str) -> dict[str, dict]:
    return {record["id"]: record for record in report(cwd)["records"]}


def mapping_rows(cwd: str) -> dict[str, dict]:
    with open(os.path.join(cwd, "user_mapping", "user_mapping.csv"), newline="") as handle:
        return {row["email"]: row for row in csv.DictReader(handle)}
