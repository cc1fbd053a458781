# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One record model for everything the collection verifies or asks a person to do (schema: schemas/report-1.json).

A record is one item of a checklist in one account::

    {
        "id": "baseline.root_mfa",          # stable: <area>.<item>, the same in every run
        "phase": "2",                       # the checklist phase ("0".."8") or "doit-1".."doit-3"
        "title": "Root user MFA",           # what the item is, for a person
        "account": "123456789012",          # the account it applies to (None when it could not be told)
        "status": "failed",                 # verified | failed | manual | unknown | skipped
        "blocking": True,                   # whether the item stands between the account and "ready"
        "evidence": "GetAccountSummary AccountMFAEnabled=0",   # what was seen (None for a skipped item)
        "remedy": "sign in as the root user ...",              # what to do; for a manual item, the step itself
        "who": None,                        # for a manual item: who does it (customer, DoiT, ...)
    }

Statuses:

- ``verified``: seen to be as required (the evidence says how).
- ``failed``: seen not to be as required.
- ``manual``: a step only a person can do, which no API shows: the remedy is the step.
- ``unknown``: could not be checked (access denied, throttled past the retries, no API): never a pass or a fail.
- ``skipped``: not checked, on purpose (switched off, or not applicable to this account).

A report is ``{"schema_version", "playbook", "generated_at", "check_mode", "ready", "accounts", "records"}``;
the JSON schema shipped at ``schemas/report-1.json`` describes both, and ``record_problems`` /
``report_problems`` check the same rules in Python (the unit tests hold them to the schema).
"""

import re

SCHEMA_VERSION = 1

VERIFIED = "verified"
FAILED = "failed"
MANUAL = "manual"
UNKNOWN = "unknown"
SKIPPED = "skipped"
STATUSES = (VERIFIED, FAILED, MANUAL, UNKNOWN, SKIPPED)

# An account's verdict, from its records.
READY = "ready"
NOT_READY = "not_ready"
UNVERIFIED = "unknown"

RECORD_KEYS = ("id", "phase", "title", "account", "status", "blocking", "evidence", "remedy", "who")
# Optional: a manual item's confirmation (how a person confirms the step is done), in the readiness report.
OPTIONAL_RECORD_KEYS = ("confirm",)
REPORT_KEYS = ("schema_version", "playbook", "generated_at", "check_mode", "ready", "accounts", "records")
# Optional: the readiness report's verdict over the organization and the reports it was made from.
OPTIONAL_REPORT_KEYS = ("organization", "inputs")
_ID = re.compile(r"[a-z0-9][a-z0-9_.-]*")
_PHASE = re.compile(r"[0-8]|doit-[1-3]")
_ACCOUNT = re.compile(r"[0-9]{12}")


def make_record(id, phase, title, account, status, evidence=None, remedy=None, blocking=True, who=None):  # pylint: disable=redefined-builtin
    """One record; ``remedy`` is dropped on a verified or skipped item (nothing to do)."""
    if status not in STATUSES:
        raise ValueError(f"record {id}: status {status!r} is not one of {', '.join(STATUSES)}")
    return {
        "id": id,
        "phase": str(phase),
        "title": title,
        "account": None if account is None else str(account),
        "status": status,
        "blocking": bool(blocking),
        "evidence": evidence,
        "remedy": None if status in (VERIFIED, SKIPPED) else remedy,
        "who": who,
    }


def judged(id, phase, title, account, ok, evidence, remedy, blocking=True):  # pylint: disable=redefined-builtin
    """A verified or failed record, from whether the item was seen to be as required."""
    return make_record(id, phase, title, account, VERIFIED if ok else FAILED, evidence, remedy, blocking)


def unknown(id, phase, title, account, reason, remedy, blocking=True):  # pylint: disable=redefined-builtin
    """An item that could not be checked: the reason is the evidence, never a verdict."""
    return make_record(id, phase, title, account, UNKNOWN, f"could not check: {reason}", remedy, blocking)


def manual(id, phase, title, account, step, who=None, evidence=None, blocking=False):  # pylint: disable=redefined-builtin
    """A step only a person can do, which no API shows."""
    return make_record(id, phase, title, account, MANUAL, evidence, step, blocking, who)


def verdict(records):
    """``not_ready`` when a blocking item failed, ``unknown`` when one could not be checked, else ``ready``."""
    blocking = [r for r in records if r["blocking"]]
    if any(r["status"] == FAILED for r in blocking):
        return NOT_READY
    if any(r["status"] == UNKNOWN for r in blocking):
        return UNVERIFIED
    return READY


def judgement(records):
    """A read-only module's answer about ``records``: the records, their verdict and whether it is ``ready``."""
    found = verdict(records)
    return {"records": records, "verdict": found, "ready": found == READY}


def first_blocking(records):
    """The first blocking record that failed (else could not be checked); None when ready."""
    for status in (FAILED, UNKNOWN):
        for record in records:
            if record["blocking"] and record["status"] == status:
                return record
    return None


def first_reason(records):
    """The first blocking item that failed (else could not be checked), as one line; None when ready."""
    record = first_blocking(records)
    if record is None:
        return None
    return f"[{record['id']}] {record['evidence'] or record['title']}"


def counts(records):
    """How many records have each status, in STATUSES order, leaving out zeros."""
    found = {status: sum(r["status"] == status for r in records) for status in STATUSES}
    return {status: n for status, n in found.items() if n}


def account_summaries(records, hosts=None):
    """Per account (in first-seen order): host, verdict, first reason and counts. ``hosts`` maps account to host."""
    by_account = {}
    for record in records:
        by_account.setdefault(record["account"], []).append(record)
    hosts = hosts or {}
    return [
        {
            "account": account,
            "host": hosts.get(account),
            "verdict": verdict(items),
            "first_reason": first_reason(items),
            "counts": counts(items),
        }
        for account, items in by_account.items()
    ]


def make_report(playbook, records, generated_at, check_mode, hosts=None):
    """The JSON report every playbook writes: the records, and a verdict per account."""
    accounts = account_summaries(records, hosts)
    return {
        "schema_version": SCHEMA_VERSION,
        "playbook": playbook,
        "generated_at": generated_at,
        "check_mode": bool(check_mode),
        "ready": bool(accounts) and all(a["verdict"] == READY for a in accounts),
        "accounts": accounts,
        "records": list(records),
    }


# --- the organization: one line per account of a run over many ---------------

# An account's place in an organization summary.
ACCOUNT_READY = "ready"
ACCOUNT_NOT_READY = "not_ready"
ACCOUNT_UNREACHABLE = "unreachable"


def _stopped_reason(stopped):
    if isinstance(stopped, dict):
        return stopped.get("evidence") or stopped.get("title") or "the checks stopped"
    return str(stopped)


def organization_summary(area, phase, accounts, generated_at, check_mode, playbook=None):
    """A run over many accounts, summed up: one record per account, and who is ready, not ready or unreachable.

    ``accounts``: one entry per targeted host, in the inventory's order: ``{"host", "account", "records",
    "stopped"}``. ``records`` are the records the host gathered (they may name other accounts: records are pooled
    and taken by account; a host with no record of its own account is judged by the records it gathered);
    ``stopped`` is what stopped the host before its checks ran (a ``<area>.stopped`` record, or a message), else None.

    - ``unreachable``: the host stopped (its credentials could not be resolved, say), or no record names its
      account: one ``<area>.stopped`` record, ``unknown``, its evidence the reason. The readiness report reads it as
      the reason the account's items were not checked.
    - ``not_ready``: a blocking record failed or could not be checked: one ``<area>.account`` record, ``failed``
      (``unknown`` when nothing failed but something could not be checked), its evidence the first reason.
    - ``ready``: one ``<area>.account`` record, ``verified``.

    The result is a report (``make_report``'s shape, ``playbook`` defaulting to ``<area>-organization``) with
    ``organization``: its verdict, first reason, counts of records, number of accounts, and the lists ``ready``,
    ``not_ready`` and ``unreachable`` of ``{"host", "account", "verdict", "reason"}``.
    """
    pooled = {}
    for entry in accounts:
        for record in entry.get("records") or []:
            pooled.setdefault(record["account"], [])
            if record not in pooled[record["account"]]:
                pooled[record["account"]].append(record)

    made, hosts = [], {}
    places = {ACCOUNT_READY: [], ACCOUNT_NOT_READY: [], ACCOUNT_UNREACHABLE: []}
    for entry in accounts:
        host = entry.get("host")
        account = None if entry.get("account") in (None, "") else str(entry["account"])
        hosts.setdefault(account, host)
        # A host that checks only another account's items (validate's management host: the permission sets, in
        # the Partner Central account's name) is judged by what it checked.
        own = (pooled.get(account, []) if account is not None else []) or list(entry.get("records") or [])
        stopped = entry.get("stopped")
        if stopped or not own:
            reason = (
                _stopped_reason(stopped)
                if stopped
                else "no record of this account: its checks did not run (an earlier play may have stopped the host)"
            )
            remedy = stopped.get("remedy") if isinstance(stopped, dict) else None
            made.append(
                make_record(
                    f"{area}.stopped",
                    phase,
                    f"The {area} checks could run",
                    account,
                    UNKNOWN,
                    reason,
                    remedy
                    or "make the account reachable (its aws_assume_role_arn or aws_profile, the role's trust) "
                    "and run the playbook again",
                )
            )
            places[ACCOUNT_UNREACHABLE].append(
                {"host": host, "account": account, "verdict": UNVERIFIED, "reason": reason}
            )
            continue
        found = verdict(own)
        if found == READY:
            evidence = "every blocking item verified (" + ", ".join(f"{n} {s}" for s, n in counts(own).items()) + ")"
            made.append(
                make_record(
                    f"{area}.account", phase, f"The account passed the {area} checks", account, VERIFIED, evidence
                )
            )
            places[ACCOUNT_READY].append({"host": host, "account": account, "verdict": found, "reason": None})
            continue
        first = first_blocking(own)
        reason = first_reason(own)
        made.append(
            make_record(
                f"{area}.account",
                phase,
                f"The account passed the {area} checks",
                account,
                FAILED if found == NOT_READY else UNKNOWN,
                reason,
                f"[{first['id']}] {first['remedy']}" if first.get("remedy") else f"see the {area} report's records",
            )
        )
        places[ACCOUNT_NOT_READY].append({"host": host, "account": account, "verdict": found, "reason": reason})

    report = make_report(
        playbook or f"{area}-organization",
        made,
        generated_at,
        check_mode,
        {a: h for a, h in hosts.items() if a is not None},
    )
    first = next(
        (
            f"{p['host'] or p['account']}: {p['reason']}"
            for kind in (ACCOUNT_NOT_READY, ACCOUNT_UNREACHABLE)
            for p in places[kind]
        ),
        None,
    )
    report["organization"] = dict(
        verdict=verdict(made) if made else UNVERIFIED,
        first_reason=first if made else "no account was targeted",
        counts=counts(made),
        accounts=len(accounts),
        **places,
    )
    return report


# --- validation: the schema's rules, in Python ---------------------------------


def record_problems(record):
    """Every way ``record`` breaks the schema, as messages naming the field."""
    if not isinstance(record, dict):
        return [f"a record must be a mapping, not {type(record).__name__}"]
    name = record.get("id", "?")
    problems = [f"record {name}: missing {key}" for key in RECORD_KEYS if key not in record]
    problems += [f"record {name}: unknown key {key}" for key in record if key not in RECORD_KEYS + OPTIONAL_RECORD_KEYS]
    if problems:
        return problems
    if not isinstance(record["id"], str) or not _ID.fullmatch(record["id"]):
        problems.append(f"record {name}: id must be lowercase letters, digits and ._- (got {record['id']!r})")
    if not isinstance(record["phase"], str) or not _PHASE.fullmatch(record["phase"]):
        problems.append(f"record {name}: phase must be 0 to 8 or doit-1 to doit-3 (got {record['phase']!r})")
    if not isinstance(record["title"], str) or not record["title"]:
        problems.append(f"record {name}: title must be a non-empty string")
    if record["account"] is not None and not (
        isinstance(record["account"], str) and _ACCOUNT.fullmatch(record["account"])
    ):
        problems.append(f"record {name}: account must be a 12-digit string or null (got {record['account']!r})")
    if record["status"] not in STATUSES:
        problems.append(f"record {name}: status must be one of {', '.join(STATUSES)} (got {record['status']!r})")
    if not isinstance(record["blocking"], bool):
        problems.append(f"record {name}: blocking must be true or false")
    for key in ("evidence", "remedy", "who", "confirm"):
        if record.get(key) is not None and not isinstance(record[key], str):
            problems.append(f"record {name}: {key} must be a string or null")
    if record["status"] in (FAILED, UNKNOWN, MANUAL) and not record["remedy"]:
        problems.append(f"record {name}: a {record['status']} record needs a remedy (what a person does next)")
    return problems


def report_problems(report):
    """Every way ``report`` breaks the schema."""
    if not isinstance(report, dict):
        return [f"a report must be a mapping, not {type(report).__name__}"]
    problems = [f"report: missing {key}" for key in REPORT_KEYS if key not in report]
    problems += [f"report: unknown key {key}" for key in report if key not in REPORT_KEYS + OPTIONAL_REPORT_KEYS]
    if problems:
        return problems
    if report["schema_version"] != SCHEMA_VERSION:
        problems.append(f"report: schema_version must be {SCHEMA_VERSION}")
    for record in report["records"] if isinstance(report["records"], list) else []:
        problems.extend(record_problems(record))
    return problems
