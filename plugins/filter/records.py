# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The record model (module_utils/records.py, schemas/report-1.json), as filters: one record, and a report of many.

Each filter is documented in the YAML file of its name next to this one (ansible-doc -t filter).
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.diatonic.partnercentral.plugins.module_utils import records as model


def record(id, phase, title, account, status, evidence=None, remedy=None, blocking=True, who=None):  # pylint: disable=redefined-builtin
    """One record, checked against the schema's rules."""
    if status not in model.STATUSES:
        raise AnsibleFilterError(f"record {id}: status {status!r} is not one of {', '.join(model.STATUSES)}")
    made = model.make_record(
        id,
        phase,
        title,
        None if account in (None, "") else str(account),
        status,
        evidence,
        remedy,
        bool(blocking),
        who,
    )
    problems = model.record_problems(made)
    if problems:
        raise AnsibleFilterError("; ".join(problems))
    return made


def _flatten(items):
    # Records gathered from every host come as a list of lists (one per host); a host without any gives none.
    flat = []
    for item in items or []:
        if isinstance(item, list):
            flat.extend(item)
        elif item is not None:
            flat.append(item)
    return flat


def records_report(records, playbook, generated_at, check_mode, hosts=None):
    """The JSON report of a playbook: its records and a verdict per account (schema report-1.json)."""
    if not isinstance(records, list):
        raise AnsibleFilterError(f"records_report's input must be a list of records, not {type(records).__name__}")
    found = _flatten(records)
    problems = [p for r in found for p in model.record_problems(r)]
    if problems:
        raise AnsibleFilterError("records_report: " + "; ".join(problems))
    if hosts is not None and not isinstance(hosts, dict):
        raise AnsibleFilterError("records_report's hosts must map account IDs to inventory host names")
    return model.make_report(playbook, found, generated_at, check_mode, {str(a): h for a, h in (hosts or {}).items()})


def report_account(report, account):
    """One account of a records_report: its summary, ``ready``, and its records; not checked when absent."""
    if not isinstance(report, dict) or "accounts" not in report or "records" not in report:
        raise AnsibleFilterError("report_account's input must be a records_report")
    account = None if account in (None, "") else str(account)
    summary = next((a for a in report["accounts"] if a["account"] == account), None)
    if summary is None:
        summary = {
            "account": account,
            "host": None,
            "verdict": model.UNVERIFIED,
            "first_reason": "no item of this account was checked",
            "counts": {},
        }
    return dict(
        summary,
        ready=summary["verdict"] == model.READY,
        records=[r for r in report["records"] if r["account"] == account],
    )


class FilterModule:
    def filters(self):
        return {"record": record, "records_report": records_report, "report_account": report_account}
