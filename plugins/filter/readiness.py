# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The readiness report (module_utils/checklist.py), as filters: the report from the reports found, and the
report laid out for a person (per account, per phase) for the Markdown and HTML templates.

Each filter is documented in the YAML file of its name next to this one (ansible-doc -t filter).
"""

import json

from ansible.errors import AnsibleFilterError

from ansible_collections.diatonic.partnercentral.plugins.module_utils import checklist


def _accounts(accounts):
    if accounts is None:
        return {}
    if not isinstance(accounts, dict):
        raise AnsibleFilterError(
            "readiness_report's accounts must map management, partnercentral and members to account IDs "
            f"(and hosts to a dict of account ID to host), not {type(accounts).__name__}"
        )
    return accounts


def readiness_report(files, accounts, generated_at, doit=True):
    """The readiness report from the JSON files of the reports directory (``[{path, content}]`` or path: content)."""
    if isinstance(files, dict):
        files = [{"path": path, "content": content} for path, content in files.items()]
    if not isinstance(files, list):
        raise AnsibleFilterError(
            f"readiness_report's input must be a list of {{path, content}} or a dict, not {type(files).__name__}"
        )
    reports, problems = [], []
    for found in files:
        path = found.get("path") if isinstance(found, dict) else None
        content = found.get("content") if isinstance(found, dict) else found
        if isinstance(content, str):
            try:
                content = json.loads(content)
            except ValueError as error:
                problems.append((path, f"not JSON: {error}"))
                continue
        unreadable = checklist.read_problems(path or "a report", content)
        if unreadable:
            problems.append((path, "; ".join(unreadable)))
            continue
        if content.get("playbook") == checklist.PLAYBOOK:
            continue  # an earlier readiness report: what it says comes from the others
        reports.append(dict(content, path=path))
    return checklist.readiness_report(reports, _accounts(accounts), generated_at, bool(doit), problems)


def readiness_sections(report, accounts=None):
    """The readiness report per account, each with its verdict, counts and items phase by phase, with labels."""
    if not isinstance(report, dict) or "records" not in report or "accounts" not in report:
        raise AnsibleFilterError("readiness_sections' input must be a readiness_report")
    return checklist.sections(report, _accounts(accounts))


class FilterModule:
    def filters(self):
        return {"readiness_report": readiness_report, "readiness_sections": readiness_sections}
