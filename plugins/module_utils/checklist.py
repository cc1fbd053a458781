# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The readiness report: the checklist's 31 definition-of-done items and DoiT's 16 onboarding steps, each decided
from the records every playbook wrote (records.py), or left to a person where no API sees it.

The catalog (``CHECKLIST``, ``DOIT_STEPS``) names, for each item, the record ids that decide it and the playbook
that writes them. ``readiness_report`` combines it with the JSON reports found in the reports directory into one
report in the shape of ``schemas/report-1.json`` whose records are the items, one per item per account it
applies to:

- an item whose records are all ``verified`` is ``verified``, their evidence the item's;
- one of its records ``failed`` (or ``unknown``): the item is ``failed`` (``unknown``), with the records' remedies;
- an item no API sees is ``manual``: the step a person does, who does it, and how they confirm it (``confirm``);
  an item whose records prove only part of it (``also_manual``) is ``manual`` once they are verified;
- an item without any record yet is ``unknown``, naming the playbook to run (or the reason that playbook gave
  when it could not check the account: its ``<area>.stopped`` record).

Everything here is pure: no file, no AWS call.
"""

from ansible_collections.diatonic.partnercentral.plugins.module_utils import records

PLAYBOOK = "readiness"

# Whose items: the Partner Central account, the organization's management account, or every account.
PARTNERCENTRAL = "partnercentral"
MANAGEMENT = "management"
EVERY = "every"

PLAYBOOKS = {
    "preflight": "playbooks/preflight.yml",
    "baseline": "playbooks/baseline.yml or playbooks/preflight.yml",
    "identity_center": "playbooks/identity_center.yml",
    "user_mapping": "playbooks/user_mapping.yml -e user_mapping_export=<the export's path>",
    "linking": "playbooks/validate.yml",
    "validation": "playbooks/validate.yml",
    "doit": "playbooks/doit_onboarding.yml",
}

PHASE_TITLES = {
    "0": "Phase 0: Decision",
    "1": "Phase 1: CLI Access",
    "2": "Phase 2: Security Baseline",
    "3": "Phase 3: Managed Policies",
    "4": "Phase 4: IAM Roles",
    "5": "Phase 5: Identity Center (Optional)",
    "6": "Phase 6: Account Linking",
    "7": "Phase 7: User Mapping",
    "8": "Phase 8: Migration",
    "doit-1": "DoiT Step 1: Readiness (by Customer)",
    "doit-2": "DoiT Step 2: Initial Onboarding (by DoiT AWS Ops team)",
    "doit-3": "DoiT Step 3: Account Configuration (by DoiT AWS Ops team)",
}
PHASES = tuple(PHASE_TITLES)


def _item(
    key,
    title,
    sources=(),
    scope=PARTNERCENTRAL,
    blocking=True,
    step=None,
    confirm=None,
    who="customer",
    also_manual=False,
):
    """One item. ``key`` is "<phase>.<n>" of the checklist, or "doit-<step>.<n>" of DoiT's steps.

    ``sources``: the record ids that decide it; an id ending in ``.*`` matches every id under it, one ending in
    ``?`` is judged when present but not missed when absent, and a tuple of ids is satisfied by any one of them that
    is not skipped (the same fact seen by two playbooks). ``step`` and
    ``confirm``: what a person does and how they confirm it, when no record sees the item (or, ``also_manual``,
    not all of it).
    """
    phase, number = key.rsplit(".", 1)
    return {
        "key": key,
        "id": f"{'checklist' if phase.isdigit() else 'doit_steps'}.{phase.replace('doit-', '')}.{number}",
        "phase": phase,
        "title": title,
        "sources": tuple(sources),
        "scope": scope,
        "blocking": blocking,
        "step": step,
        "confirm": confirm,
        "who": who,
        "also_manual": also_manual,
    }


# The migration checklist's "Definition-of-Done Checklist (Fast Reference)", titles as the runbook has them.
CHECKLIST = (
    _item(
        "0.1",
        "Dedicated Partner Central account chosen (account ID: _____________)",
        ("preflight.account_id", "preflight.membership", "preflight.organization_member"),
    ),
    _item("0.2", "Account on Paid plan", ("preflight.plan",)),
    _item(
        "0.3",
        "Not org management/prod/dev account",
        ("preflight.membership",),
        also_manual=True,
        step="make sure the account runs no production or development workloads (no API tells)",
        confirm="the account's owner signs the sign-off below; its resources list only Partner Central roles",
    ),
    _item(
        "0.4",
        "IAM Administrator identified: _____________",
        step="name the person who administers IAM in the Partner Central account",
        confirm="their name is in the sign-off block of this report",
        blocking=False,
    ),
    _item(
        "0.5",
        "Alliance Lead identified: _____________",
        (("user_mapping.alliance_lead", "linking.alliance_lead"),),
        step="name the Alliance Lead and map them to PartnerCentralRoleForAllianceLead",
    ),
    _item(
        "1.1",
        "`partnercentral-admin` profile created and tested",
        ("preflight.account_id",),
        also_manual=True,
        step="create the AWS CLI profile partnercentral-admin for the account",
        confirm="aws sts get-caller-identity --profile partnercentral-admin answers with the account's ID",
    ),
    _item(
        "1.2",
        "`partnercentral-ops` profile created and tested",
        step="create the AWS CLI profile partnercentral-ops for the account (no API sees a local profile)",
        confirm="aws sts get-caller-identity --profile partnercentral-ops answers with the account's ID",
        blocking=False,
    ),
    _item(
        "1.3",
        "Account relationship to org documented",
        ("preflight.management_account", "preflight.organization_member"),
    ),
    _item(
        "2.1",
        "MFA enabled for admin users",
        ("baseline.root_mfa", "baseline.console_users_mfa"),
        scope=EVERY,
    ),
    _item("2.2", "CloudTrail active", ("baseline.cloudtrail",), scope=EVERY),
    _item(
        "2.3",
        '"Account Ready" sign-off from IAM Admin',
        step="the IAM administrator reads phases 0 to 3 of this report and signs it off",
        confirm="the sign-off block of this report is signed and dated",
        who="IAM administrator",
        blocking=False,
    ),
    _item("3.1", "All Partner Central managed policies confirmed available", ("preflight.managed_policies",)),
    _item(
        "3.2",
        "Role naming convention understood (`PartnerCentralRoleFor*`)",
        step="read the rule: Partner Central only sees IAM roles named PartnerCentralRoleFor*; this collection "
        "refuses any other name before calling AWS",
        confirm="the persona roles of phase 4 are verified under that prefix",
        blocking=False,
    ),
    _item(
        "3.3",
        "Trust policy requirement understood (service principal)",
        step="read the rule: each role trusts only the service principal "
        "partnercentral-account-management.amazonaws.com; this collection refuses any other trust",
        confirm="the persona roles of phase 4 are verified with that exact trust",
        blocking=False,
    ),
    _item("4.1", "7 persona roles created with correct naming/trust", ("validation.persona_roles",)),
    _item("4.2", "Managed policies attached", ("validation.persona_policies",)),
    _item(
        "4.3",
        "Role ARNs documented",
        ("validation.persona_roles",),
        also_manual=True,
        step="keep the role ARNs listed in this item's evidence with the migration's records",
        confirm="the ARNs are in the mapping you enter in Partner Central (phase 7)",
    ),
    _item("5.1", "IAM Identity Center enabled", ("identity_center.enabled",), blocking=False),
    _item(
        "5.2",
        "Permission sets created",
        ("identity_center.permission_sets", "identity_center.provisioned"),
        blocking=False,
    ),
    _item(
        "5.3",
        "Groups/users assigned",
        ("identity_center.assignments", "identity_center.test_users?"),
        blocking=False,
    ),
    _item(
        "6.1",
        "Account linked to Partner Central",
        ("linking.cloud_admin_role", "linking.partner"),
        step="link the account in the Partner Central console (Settings > Account linking); no public API does it",
    ),
    _item(
        "6.2",
        "Cloud Admin role assigned",
        ("linking.cloud_admin_role", "linking.cloud_admin_assigned"),
        step="assign the cloud admin role while linking (AWS creates PartnerCentralRoleForCloudAdmin*)",
    ),
    _item(
        "6.3",
        "Linking confirmation received",
        ("linking.confirmation",),
        step="wait for AWS's e-mail confirming the account linking",
        confirm="the confirmation e-mail from AWS Partner Central is filed with the migration's records",
        blocking=False,
    ),
    _item("7.1", "Current users downloaded", ("user_mapping.export",)),
    _item("7.2", "All active users mapped to IAM roles", ("user_mapping.active_users_mapped",)),
    _item(
        "7.3",
        "Mappings validated",
        ("user_mapping.roles_exist", "user_mapping.console_entry"),
    ),
    _item(
        "8.1",
        "Migration window scheduled",
        step="schedule the migration window in Partner Central (no public API schedules or reads it); allow 6 to "
        "8 hours outside business hours",
        confirm="the window's date and time are in the sign-off block",
        blocking=False,
    ),
    _item(
        "8.2",
        "Users notified",
        step="tell every mapped user about the window and the downtime",
        confirm="the notice was sent (date in the sign-off block)",
        blocking=False,
    ),
    _item(
        "8.3",
        "Migration completed successfully",
        step="run the migration in the scheduled window",
        confirm="the confirmation e-mail from AWS is received",
        blocking=False,
    ),
    _item(
        "8.4",
        "Post-migration validation passed",
        (
            "validation.persona_roles",
            "validation.persona_policies",
            "linking.cloud_admin_role",
            "validation.assume_role_denials",
        ),
    ),
    _item(
        "8.5",
        "All users can access Partner Central via IAM",
        ("validation.assume_role_denials",),
        also_manual=True,
        step="each mapped user signs in through IAM (or Identity Center) and opens Partner Central",
        confirm="every user on the mapping has confirmed access; CloudTrail shows no denied AssumeRole",
    ),
)

# DoiT's "AWS onboarding" for a customer keeping its own organization: the management (payer) account's steps.
DOIT_STEPS = (
    _item(
        "doit-1.1",
        "Identify the management AWS account in your AWS Org (normally referred to as Master Payer Account).",
        ("doit.management_account",),
        scope=MANAGEMENT,
    ),
    _item(
        "doit-1.2",
        "Under the management account, create a new IAM user with Administrator policy.",
        ("doit.admin_user", "doit.admin_user_credentials?"),
        scope=MANAGEMENT,
    ),
    _item(
        "doit-1.3",
        "Change the root email address on the management account to the one provided by DoiT.",
        ("doit.root_email",),
        scope=MANAGEMENT,
    ),
    _item(
        "doit-1.4",
        "Remove 2FA from the root account (no worries, we'll re-enable it in the next step).",
        ("doit.root_mfa_removed",),
        scope=MANAGEMENT,
    ),
    _item(
        "doit-1.5",
        "Notify your customer success manager about completing the steps above.",
        ("doit.csm_notified",),
        scope=MANAGEMENT,
    ),
    _item(
        "doit-2.1",
        "Reset the root password on AWS MPA account.",
        ("doit.root_password_reset",),
        scope=MANAGEMENT,
        who="DoiT",
    ),
    _item("doit-2.2", "Re-enable 2FA on the root account.", ("doit.root_mfa",), scope=MANAGEMENT, who="DoiT"),
    _item(
        "doit-2.3",
        "Create doitintl_cmp IAM role to facilitate access from DoiT Management Platform.",
        ("doit.cmp_role", "doit.cmp_policy"),
        scope=MANAGEMENT,
        who="DoiT",
    ),
    _item(
        "doit-2.4",
        "Create AWSAdmin IAM role (used to access billing data under AWS Channel Reseller Program).",
        ("doit.awsadmin_role", "doit.awsadmin_policy"),
        scope=MANAGEMENT,
        who="DoiT",
    ),
    _item(
        "doit-2.5",
        "Onboard the Org to SPP using AWS Channel Management dashboard.",
        ("doit.spp",),
        scope=MANAGEMENT,
        who="DoiT",
    ),
    _item(
        "doit-3.1",
        "Replace the existing payment method with a DoiT payment method.",
        ("doit.payment_method",),
        scope=MANAGEMENT,
        who="DoiT",
    ),
    _item(
        "doit-3.2",
        "Set tax profile to the country matching DoiT's billing profile.",
        ("doit.tax_profile",),
        scope=MANAGEMENT,
        who="DoiT",
    ),
    _item(
        "doit-3.3",
        "Complete the Org email verification process (necessary because the root email has changed).",
        ("doit.email_verification",),
        scope=MANAGEMENT,
        who="DoiT",
    ),
    _item(
        "doit-3.4",
        "Enable Cost and Usage Reports (if not enabled already).",
        ("doit.report_delivery",),
        scope=MANAGEMENT,
        who="DoiT",
    ),
    _item(
        "doit-3.5",
        "Create a new S3 bucket (named as doitintl-awsops-{id}) to store the AWS Cost and Usage report.",
        ("doit.bucket", "doit.bucket_policy"),
        scope=MANAGEMENT,
        who="DoiT",
    ),
    _item(
        "doit-3.6",
        "Set up a new Cost and Usage report (doitintl-awsops-{id})).",
        ("doit.report",),
        scope=MANAGEMENT,
        who="DoiT",
    ),
)

CATALOG = CHECKLIST + DOIT_STEPS


def area(record_id):
    return record_id.split(".", 1)[0]


def playbook_of(record_id):
    return PLAYBOOKS.get(area(record_id), "the playbook that writes " + record_id)


def _matches(pattern, record_id):
    pattern = pattern.rstrip("?")
    if pattern.endswith(".*"):
        return record_id.startswith(pattern[:-1])
    return record_id == pattern


def source_ids(item):
    """Every record id (or ``<area>.*`` pattern) the item names, without the markers."""
    flat = []
    for source in item["sources"]:
        for pattern in source if isinstance(source, tuple) else (source,):
            flat.append(pattern.rstrip("?"))
    return flat


# --- the reports read --------------------------------------------------------


def newest_records(reports):
    """The records of every report, the newest report's record winning where two give the same id and account.

    ``reports``: the reports (records.make_report's shape), each with an optional ``path``. The same item can
    come from two playbooks (baseline.root_mfa from preflight and from baseline): the newest run says what is.
    """
    chosen = {}
    for order, report in enumerate(sorted(reports, key=lambda r: str(r.get("generated_at") or ""))):
        for record in report.get("records") or []:
            chosen[(record["id"], record["account"])] = (order, record, report)
    return [(record, report) for _order, record, report in sorted(chosen.values(), key=lambda v: v[0])]


def read_problems(name, report):
    """Why a JSON document found in the reports directory is not a report to read (schema report-1.json)."""
    if not isinstance(report, dict) or "records" not in report or "schema_version" not in report:
        return [f"{name}: not a report of this collection (no schema_version and records)"]
    return [f"{name}: {problem}" for problem in records.report_problems(report)]


# --- one item in one account -------------------------------------------------


def _evidence(found, reports):
    """One line per record: its id, the playbook that wrote it, and what it saw."""
    lines = []
    for record in found:
        playbook = (reports.get(id(record)) or {}).get("playbook")
        where = f"{record['id']} ({playbook})" if playbook else record["id"]
        seen = record["evidence"] or ("no API shows this" if record["status"] == records.MANUAL else record["status"])
        lines.append(f"{where}: {seen}")
    return "\n".join(lines)


def _remedies(found):
    """The records' remedies, each once; named by record when more than one record has one."""
    with_remedy = [r for r in found if r.get("remedy")]
    if len({r["remedy"] for r in with_remedy}) == 1:
        return with_remedy[0]["remedy"]
    return "\n".join(f"{r['id']}: {r['remedy']}" for r in with_remedy)


def decide(item, account, records_of_account, reports_of_record=None):
    """One item in one account, as a record (with ``confirm``), from that account's records.

    ``records_of_account``: the newest record of each id of the account; ``reports_of_record`` maps ``id(record)``
    to the report it came from (only for naming it).
    """
    reports_of_record = reports_of_record or {}
    base = {
        "id": item["id"],
        "phase": item["phase"],
        "title": item["title"],
        "account": account,
    }

    def made(status, evidence, remedy=None, blocking=item["blocking"], who=None, confirm=None):
        record = records.make_record(
            base["id"], base["phase"], base["title"], account, status, evidence, remedy, blocking, who
        )
        record["confirm"] = confirm
        return record

    if not item["sources"]:
        return made(
            records.MANUAL,
            "no API shows this: a person confirms it",
            item["step"],
            blocking=False,
            who=item["who"],
            confirm=item["confirm"],
        )

    found, missing = [], []
    for source in item["sources"]:
        if isinstance(source, tuple):
            hits = [r for r in records_of_account if any(_matches(p, r["id"]) for p in source)]
            if not [r for r in hits if r["status"] != records.SKIPPED]:
                missing.append(" or ".join(source))
        else:
            hits = [r for r in records_of_account if _matches(source, r["id"])]
            if not hits and not source.endswith("?"):
                missing.append(source)
        found.extend(r for r in hits if r not in found)
    judged = [r for r in found if r["status"] != records.SKIPPED]
    failed = [r for r in judged if r["status"] == records.FAILED]
    unknown = [r for r in judged if r["status"] == records.UNKNOWN]
    manual = [r for r in judged if r["status"] == records.MANUAL]
    evidence = _evidence(found, reports_of_record)

    if failed:
        return made(
            records.FAILED,
            _evidence(failed, reports_of_record),
            _remedies(failed),
            blocking=any(r["blocking"] for r in failed),
            who=failed[0].get("who"),
        )
    if unknown:
        return made(
            records.UNKNOWN,
            _evidence(unknown, reports_of_record),
            _remedies(unknown),
            blocking=any(r["blocking"] for r in unknown),
        )
    if missing:
        # A playbook that could not check the account says why in its <area>.stopped record: that is the reason.
        stopped = sorted(
            (
                r
                for r in records_of_account
                if r["id"].endswith(".stopped") and r["status"] in (records.FAILED, records.UNKNOWN)
            ),
            key=lambda r: area(r["id"]) != area(missing[0]),
        )
        reason = f"not checked yet: no record {', '.join(missing)} for this account"
        if stopped:
            reason = f"not checked: {stopped[0]['evidence']}"
        if evidence:
            reason += "\n" + evidence
        remedy = f"run {playbook_of(missing[0])}"
        if item["step"]:
            remedy += f"; the step itself: {item['step']}"
        return made(records.UNKNOWN, reason, remedy, who=item["who"] if item["step"] else None)
    if manual:
        confirms = [r["confirm"] for r in manual if r.get("confirm")]
        return made(
            records.MANUAL,
            evidence,
            _remedies(manual),
            blocking=False,
            who=manual[0].get("who") or item["who"],
            confirm=confirms[0] if confirms else item["confirm"],
        )
    if not judged:
        return made(records.SKIPPED, evidence or "not checked, on purpose", blocking=False)
    if item["also_manual"]:
        return made(
            records.MANUAL,
            evidence,
            item["step"],
            blocking=False,
            who=item["who"],
            confirm=item["confirm"],
        )
    return made(records.VERIFIED, evidence)


# --- the report --------------------------------------------------------------


def scoped_accounts(item, accounts):
    if item["scope"] == PARTNERCENTRAL:
        return accounts["partnercentral"]
    if item["scope"] == MANAGEMENT:
        return accounts["management"]
    return accounts["management"] + accounts["partnercentral"] + accounts["members"]


def organization_accounts(accounts, found_records):
    """The accounts, by their part in the organization; when the inventory gave none, as the records tell.

    ``accounts``: ``{"management": [...], "partnercentral": [...], "members": [...], "hosts": {id: host}}``.
    """
    wanted = {kind: [str(a) for a in (accounts or {}).get(kind) or []] for kind in (MANAGEMENT, PARTNERCENTRAL)}
    wanted["members"] = [str(a) for a in (accounts or {}).get("members") or []]
    seen = set()
    for kind in (MANAGEMENT, PARTNERCENTRAL, "members"):
        # An account in two groups counts once, in its first.
        wanted[kind] = [a for a in wanted[kind] if not (a in seen or seen.add(a))]
    if not any(wanted.values()):
        for record in found_records:
            account = record["account"]
            if account is None or account in seen:
                continue
            seen.add(account)
            if record["id"].startswith("doit."):
                wanted[MANAGEMENT].append(account)
            else:
                wanted[PARTNERCENTRAL].append(account)
    wanted["hosts"] = {str(k): v for k, v in ((accounts or {}).get("hosts") or {}).items()}
    return wanted


def readiness_report(reports, accounts, generated_at, doit=True, problems=()):
    """The readiness report (schema report-1.json, playbook ``readiness``): every item per account it applies to.

    ``reports``: the reports read (each may carry ``path``: where it was found); ``accounts``: see
    ``organization_accounts``; ``doit``: whether DoiT's steps are in it; ``problems``: (path, why) of what was found in
    the reports directory and could not be read. Besides records.make_report's keys it has ``organization`` (its
    verdict, counts and first reason, over every account) and ``inputs`` (the reports it was made from).
    """
    pairs = newest_records(reports)
    reports_of_record = {id(record): report for record, report in pairs}
    found = [record for record, _report in pairs]
    accounts = organization_accounts(accounts, found)
    by_account = {}
    for record in found:
        by_account.setdefault(record["account"], []).append(record)

    items = []
    catalog = CATALOG if doit else CHECKLIST
    order = accounts[MANAGEMENT] + accounts[PARTNERCENTRAL] + accounts["members"]
    for account in order:
        for item in catalog:
            if account in scoped_accounts(item, accounts):
                items.append(decide(item, account, by_account.get(account, []), reports_of_record))

    # check_mode: whether any of the items rests on a --check run's records (a preview, not what is).
    check_mode = any(r.get("check_mode") for r in reports)
    report = records.make_report(PLAYBOOK, items, generated_at, check_mode, accounts["hosts"])
    report["organization"] = {
        "verdict": records.verdict(items) if items else records.UNVERIFIED,
        "first_reason": records.first_reason(items) if items else "no account to report on",
        "counts": records.counts(items),
        "accounts": len(report["accounts"]),
    }
    report["inputs"] = [
        {
            "playbook": r.get("playbook"),
            "path": r.get("path"),
            "generated_at": r.get("generated_at"),
            "check_mode": bool(r.get("check_mode")),
            "records": len(r.get("records") or []),
            "problem": None,
        }
        for r in reports
    ] + [
        {"playbook": None, "path": path, "generated_at": None, "check_mode": False, "records": 0, "problem": problem}
        for path, problem in problems
    ]
    return report


# --- what the page shows -----------------------------------------------------

STATUS_VIEW = {
    records.VERIFIED: ("\u2714", "Verified"),
    records.FAILED: ("\u2716", "Failed"),
    records.MANUAL: ("\u270d", "Manual"),
    records.UNKNOWN: ("?", "Unknown"),
    records.SKIPPED: ("\u2013", "Skipped"),
}
VERDICT_VIEW = {
    records.READY: "Ready",
    records.NOT_READY: "Not ready",
    records.UNVERIFIED: "Not verified yet",
}
KIND_TITLES = {MANAGEMENT: "management account", PARTNERCENTRAL: "Partner Central account", "members": "member account"}


def sections(report, accounts=None):
    """The report as a person reads it: the organization's verdict, then per account its verdict and counts, then
    its items phase by phase. Only the order and the labels are worked out here; the templates print them.
    """
    accounts = accounts or {}
    kinds = {}
    for kind in (MANAGEMENT, PARTNERCENTRAL, "members"):
        for account in accounts.get(kind) or []:
            kinds.setdefault(str(account), kind)
    keys = {item["id"]: item["key"] for item in CATALOG}
    shown = []
    for summary in report["accounts"]:
        items = [r for r in report["records"] if r["account"] == summary["account"]]
        phases = []
        for phase in PHASES:
            in_phase = [
                dict(
                    r,
                    key=keys.get(r["id"], r["id"]),
                    icon=STATUS_VIEW[r["status"]][0],
                    label=STATUS_VIEW[r["status"]][1],
                    evidence_lines=(r["evidence"] or "").splitlines(),
                    remedy_lines=(r["remedy"] or "").splitlines(),
                )
                for r in items
                if r["phase"] == phase
            ]
            if in_phase:
                phases.append(
                    {
                        "phase": phase,
                        "title": PHASE_TITLES[phase],
                        "counts": records.counts(in_phase),
                        "entries": in_phase,
                    }
                )
        kind = kinds.get(summary["account"])
        shown.append(
            dict(
                summary,
                kind=KIND_TITLES.get(kind, "account"),
                verdict_label=VERDICT_VIEW[summary["verdict"]],
                phases=phases,
            )
        )
    organization = report.get("organization") or {
        "verdict": records.verdict(report["records"]),
        "first_reason": records.first_reason(report["records"]),
        "counts": records.counts(report["records"]),
        "accounts": len(report["accounts"]),
    }
    return {
        "organization": dict(organization, verdict_label=VERDICT_VIEW[organization["verdict"]]),
        "statuses": [
            {"status": status, "icon": STATUS_VIEW[status][0], "label": STATUS_VIEW[status][1]}
            for status in records.STATUSES
        ],
        "accounts": shown,
    }
