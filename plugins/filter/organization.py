# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A run over many accounts, summed up (module_utils/records.py's organization_summary), as a filter.

Documented in organization_summary.yml next to this file (ansible-doc -t filter).
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.diatonic.partnercentral.plugins.module_utils import records as model


def _plain(value):
    # Host variables come as the templating engine's own containers: plain ones for the model and the JSON file.
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def _records_of(host, value, name):
    if value is None:
        return []
    if isinstance(value, Mapping):
        value = value.get("records") or []
    if not isinstance(value, list):
        raise AnsibleFilterError(f"organization_summary: {host}'s {name} must be a list of records or hold one")
    return _plain(value)


def organization_summary(hosts, hostvars, area, phase, generated_at, check_mode, records=None, stopped=None):
    """One record per targeted host's account and the lists of accounts ready, not ready and unreachable."""
    if not isinstance(hosts, list):
        raise AnsibleFilterError(
            "organization_summary's input must be the list of hosts (ansible_play_hosts_all), "
            f"not {type(hosts).__name__}"
        )
    if not isinstance(hostvars, Mapping):
        raise AnsibleFilterError("organization_summary's hostvars must be the hostvars mapping")
    records_name = records or f"{area}_records"
    stopped_name = stopped or f"{area}_stopped"
    accounts = []
    for host in hosts:
        found = hostvars.get(host) if host in hostvars else None
        if found is None:
            raise AnsibleFilterError(f"organization_summary: {host} is not a host of the inventory")
        account = found.get("aws_account_id")
        halted = found.get(stopped_name)
        accounts.append(
            {
                "host": str(host),
                "account": None if account in (None, "") else str(account),
                "records": _records_of(host, found.get(records_name), records_name),
                "stopped": _plain(halted) if halted else None,
            }
        )
    problems = [p for entry in accounts for r in entry["records"] for p in model.record_problems(r)]
    if problems:
        raise AnsibleFilterError("organization_summary: " + "; ".join(problems))
    return model.organization_summary(area, str(phase), accounts, generated_at, check_mode)


class FilterModule:
    def filters(self):
        return {"organization_summary": organization_summary}
