# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Phase 8's check of the user mapping (phase 7's output) against the Partner Central account, as one record.

The mapping CSV that playbooks/user_mapping.yml wrote for the person entering it in the console is read back
(user_mapping.read_mapping_file: every row mapped or excluded, a ``PartnerCentralRoleFor*`` role on each mapped
row, each e-mail once, someone mapped to the Alliance Lead role) and every role it maps users to is read in the
account (user_mapping.check_roles: exists, trusts exactly the Partner Central service principal).

Record: ``validation.user_mapping`` (phase 7). Only reads (iam:GetRole, iam:ListRoles).
"""

from ansible_collections.diatonic.partnercentral.plugins.module_utils import records
from ansible_collections.diatonic.partnercentral.plugins.module_utils import user_mapping
from ansible_collections.diatonic.partnercentral.plugins.module_utils.checks import read_errors
from ansible_collections.diatonic.partnercentral.plugins.module_utils.checks import unchecked

PHASE = "7"
RECORD_ID = "validation.user_mapping"
RECORD_IDS = (RECORD_ID,)
TITLE = "The user mapping is complete and maps users to usable roles"
REMEDY = (
    "run playbooks/user_mapping.yml again with the latest user export, fix what it names, and enter the new "
    "mapping in Partner Central (Settings > Manage linked account > User mappings)"
)


def evaluate_mapping(path, rows, file_problems, checked, account=None):
    """The record from the file's rows and problems and the roles ``check_roles`` read; pure."""
    problems = list(file_problems)
    refused = []
    for _name, found in sorted((checked or {}).items()):
        if found["unknown"]:
            refused.append(found["unknown"])
        elif found["problem"]:
            problems.append(found["problem"])
    if problems:
        return records.make_record(
            RECORD_ID, PHASE, TITLE, account, records.FAILED, f"{path}: " + "; ".join(problems), REMEDY
        )
    if refused:
        return records.unknown(
            RECORD_ID,
            PHASE,
            TITLE,
            account,
            "access denied: " + "; ".join(refused),
            "allow iam:GetRole and iam:ListRoles, or check the roles in the IAM console",
        )
    mapped = [r for r in rows if r["action"] == user_mapping.MAP]
    excluded = len(rows) - len(mapped)
    return records.make_record(
        RECORD_ID,
        PHASE,
        TITLE,
        account,
        records.VERIFIED,
        f"{path}: {len(mapped)} users mapped to {len(checked or {})} roles that exist with exactly the Partner "
        f"Central trust ({', '.join(sorted(checked or {}))}), {excluded} excluded",
    )


def mapping_record(iam, path, account=None):
    """``validation.user_mapping`` for the mapping file at ``path`` and the roles of the account ``iam`` reads."""
    rows, problems = user_mapping.read_mapping_file(path)
    names = user_mapping.mapped_role_names(rows)
    try:
        checked = user_mapping.check_roles(iam, names) if names else {}
    except read_errors() as e:
        return unchecked(
            RECORD_ID,
            PHASE,
            TITLE,
            account,
            e,
            "iam:GetRole and iam:ListRoles",
            "check in the IAM console that each role of the mapping exists",
        )
    return evaluate_mapping(path, rows, problems, checked, account)
