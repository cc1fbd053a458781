# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The evidence that an account is linked to Partner Central (checklist phase 6), as records (records.py).

No public API links an account or reads the link itself: the Alliance Lead links it in Partner Central. What
AWS shows afterwards, from the linked account, is read here:

- ``linking.cloud_admin_role``: the cloud admin role AWS creates while linking (``PartnerCentralRoleForCloudAdmin*``,
  trusted by ``partnercentral-account-management.amazonaws.com``, with the AWS managed policy
  ``PartnerCentralAccountManagementUserRoleAssociation``): iam:ListRoles, then iam:ListAttachedRolePolicies for
  each candidate.
- ``linking.partner``: the ``partnercentral-account`` API (us-east-1) knows a partner for the account
  (ListPartners, then GetPartner: id, legal name, ARN).
- ``linking.alliance_lead``: the partner's alliance lead contact (GetAllianceLeadContact).
- ``linking.cloud_admin_assigned`` and ``linking.confirmation``: manual, with how a person confirms them.

A read the credentials are refused, that is throttled past the retries, or that this botocore cannot make
(``partnercentral-account`` came with botocore 1.41.6) is ``unknown`` with the reason, never failed or verified.
Entry points take boto3 clients; ``read_*`` make the calls, ``evaluate_*`` are pure.
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.iam import IAMErrorHandler

from ansible_collections.diatonic.partnercentral.plugins.module_utils import records
from ansible_collections.diatonic.partnercentral.plugins.module_utils.checks import read_errors
from ansible_collections.diatonic.partnercentral.plugins.module_utils.checks import unchecked
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import _policy_document
from ansible_collections.diatonic.partnercentral.plugins.module_utils.partnercentral import LINKING_ROLE_PREFIX
from ansible_collections.diatonic.partnercentral.plugins.module_utils.partnercentral import SERVICE_PRINCIPAL
from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import paginate
from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import retrying

PHASE = "6"
SERVICE = "partnercentral-account"
# The API answers in us-east-1 only, whatever region the rest of the run uses.
REGION = "us-east-1"
CATALOGS = ("AWS", "Sandbox")
# The first botocore with the partnercentral-account model (released 2025-12-01; 1.41.5 lacks it).
BOTOCORE_VERSION = "1.41.6"
CLOUD_ADMIN_POLICY = "PartnerCentralAccountManagementUserRoleAssociation"

CHECKS = ("cloud_admin_role", "partner", "alliance_lead", "cloud_admin_assigned", "confirmation")
RECORD_IDS = (
    "linking.cloud_admin_role",
    "linking.partner",
    "linking.alliance_lead",
    "linking.cloud_admin_assigned",
    "linking.confirmation",
)
TITLES = {
    "cloud_admin_role": "The cloud admin role AWS creates when the account is linked",
    "partner": "Partner Central knows a partner for this account",
    "alliance_lead": "The partner's alliance lead contact",
    "cloud_admin_assigned": "The Cloud Admin role is assigned to a person",
    "confirmation": "The linking confirmation e-mail was received",
}

LINK_STEP = (
    "the Alliance Lead links this account in Partner Central (Settings > Account Management > Link AWS Account, "
    "then Complete Linking); nothing can link it through an API"
)


def record_id(check):
    return f"linking.{check}"


def _judged(check, account, ok, evidence, remedy, blocking=True):
    return records.judged(record_id(check), PHASE, TITLES[check], account, ok, evidence, remedy, blocking)


class PartnerCentralAccountError(AnsibleAWSError):
    pass


class PartnerCentralAccountErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = PartnerCentralAccountError


# --- the cloud admin role ----------------------------------------------------------------------------


def _trusts_the_service(document):
    """Whether an Allow statement of the trust policy names the Partner Central service principal."""
    statements = (document or {}).get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements:
        principal = statement.get("Principal") or {}
        services = principal.get("Service") if isinstance(principal, dict) else None
        services = [services] if isinstance(services, str) else services or []
        if statement.get("Effect") == "Allow" and SERVICE_PRINCIPAL in services:
            return True
    return False


@IAMErrorHandler.list_error_handler("list the account's roles (iam:ListRoles)")
def _list_roles(iam):
    return paginate(iam, "list_roles", "Roles")


@IAMErrorHandler.list_error_handler("list a role's managed policies (iam:ListAttachedRolePolicies)")
def _attached_policies(iam, name):
    return [p["PolicyArn"] for p in paginate(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=name)]


def read_cloud_admin_roles(iam):
    """Every ``PartnerCentralRoleForCloudAdmin*`` role: name, ARN, whether it trusts the service, its policies."""
    found = []
    for role in _list_roles(iam):
        if not role["RoleName"].startswith(LINKING_ROLE_PREFIX):
            continue
        found.append(
            {
                "name": role["RoleName"],
                "arn": role["Arn"],
                "trusts_service": _trusts_the_service(_policy_document(role["AssumeRolePolicyDocument"])),
                "managed_policies": sorted(_attached_policies(iam, role["RoleName"]) or []),
            }
        )
    return found


def evaluate_cloud_admin_roles(roles, account=None, partition="aws"):
    """Verified when a cloud admin role trusts the service and has the user-role association policy."""
    policy = f"arn:{partition}:iam::aws:policy/{CLOUD_ADMIN_POLICY}"
    good = [r for r in roles if r["trusts_service"] and policy in r["managed_policies"]]
    if good:
        return _judged(
            "cloud_admin_role",
            account,
            True,
            f"{good[0]['arn']} trusts {SERVICE_PRINCIPAL} and has {CLOUD_ADMIN_POLICY} attached",
            None,
        )
    if not roles:
        return _judged(
            "cloud_admin_role",
            account,
            False,
            f"no role named {LINKING_ROLE_PREFIX}* in the account: it has not been linked to Partner Central",
            LINK_STEP,
        )
    problems = []
    for role in roles:
        what = []
        if not role["trusts_service"]:
            what.append(f"does not trust {SERVICE_PRINCIPAL}")
        if policy not in role["managed_policies"]:
            what.append(f"lacks {CLOUD_ADMIN_POLICY}")
        problems.append(f"{role['name']} {' and '.join(what)}")
    return _judged(
        "cloud_admin_role",
        account,
        False,
        "; ".join(problems),
        f"restore the role AWS made when linking (trust {SERVICE_PRINCIPAL}, attach "
        f"{policy}); if it was deleted, ask AWS Partner Central support, as the link itself cannot be redone "
        "through an API",
    )


def cloud_admin_role_record(iam, account=None, partition="aws"):
    """The ``linking.cloud_admin_role`` record, and the roles read (None when they could not be read)."""
    try:
        roles = read_cloud_admin_roles(iam)
    except read_errors() as e:
        return (
            unchecked(
                record_id("cloud_admin_role"),
                PHASE,
                TITLES["cloud_admin_role"],
                account,
                e,
                "iam:ListRoles and iam:ListAttachedRolePolicies",
                f"look for a role named {LINKING_ROLE_PREFIX}* in the IAM console of this account",
            ),
            None,
        )
    return evaluate_cloud_admin_roles(roles, account, partition), roles


# --- the partnercentral-account API -------------------------------------------------------------------


@PartnerCentralAccountErrorHandler.list_error_handler("list the partners (partnercentral:ListPartners)")
def _list_partners(client, catalog):
    return paginate(client, "list_partners", "PartnerSummaryList", Catalog=catalog)


@PartnerCentralAccountErrorHandler.common_error_handler("read the partner (partnercentral:GetPartner)")
def _get_partner(client, catalog, identifier):
    try:
        return retrying(client).get_partner(aws_retry=True, Catalog=catalog, Identifier=identifier)
    except is_boto3_error_code("ResourceNotFoundException"):  # unlinked between the list and the read
        return None


@PartnerCentralAccountErrorHandler.common_error_handler(
    "read the alliance lead contact (partnercentral:GetAllianceLeadContact)"
)
def _get_alliance_lead(client, catalog, identifier):
    try:
        return retrying(client).get_alliance_lead_contact(aws_retry=True, Catalog=catalog, Identifier=identifier)
    except is_boto3_error_code("ResourceNotFoundException"):
        return None


def read_partner(client, catalog):
    """The account's partner (GetPartner's answer for the first partner ListPartners gives), or None."""
    partners = _list_partners(client, catalog) or []
    if not partners:
        return None
    return _get_partner(client, catalog, partners[0]["Id"])


def partner_view(partner):
    """What a person checks of GetPartner's answer: id, legal name, ARN, catalog, display name."""
    if not partner:
        return None
    return {
        "id": partner["Id"],
        "arn": partner["Arn"],
        "legal_name": partner["LegalName"],
        "catalog": partner["Catalog"],
        "display_name": (partner.get("Profile") or {}).get("DisplayName"),
    }


def mask_email(email):
    """``drew@example.com`` -> ``d***@example.com``: enough for a person to recognise it, not to harvest it."""
    local, _at, domain = (email or "").partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def alliance_lead_view(answer):
    if not answer:
        return None
    contact = answer["AllianceLeadContact"]
    return {
        "name": f"{contact['FirstName']} {contact['LastName']}",
        "business_title": contact["BusinessTitle"],
        "email": mask_email(contact["Email"]),
    }


def evaluate_partner(partner, catalog, account=None):
    if partner:
        return _judged(
            "partner",
            account,
            True,
            f"GetPartner ({catalog} catalog): {partner['id']} {partner['legal_name']!r} ({partner['arn']})",
            None,
        )
    return _judged(
        "partner",
        account,
        False,
        f"ListPartners ({catalog} catalog) lists no partner for this account: it is not linked to Partner Central",
        LINK_STEP,
    )


def evaluate_alliance_lead(lead, account=None):
    if lead:
        return _judged(
            "alliance_lead",
            account,
            True,
            f"GetAllianceLeadContact: {lead['name']} ({lead['business_title']}, {lead['email']})",
            None,
        )
    return _judged(
        "alliance_lead",
        account,
        False,
        "GetAllianceLeadContact: the partner has no alliance lead contact",
        "the Alliance Lead sets the alliance lead contact in Partner Central (Settings > Account settings); it is "
        "the person who receives the linking and migration e-mails",
    )


def _unknown_api(check, account, error, call):
    by_hand = (
        "sign in to Partner Central as the Alliance Lead and check Settings > Account Management shows this account "
        "as the linked AWS account"
    )
    return unchecked(record_id(check), PHASE, TITLES[check], account, error, call, by_hand)


def _botocore_too_old_records(account, version):
    reason = f"not available: botocore {version} has no {SERVICE} API (it came with botocore {BOTOCORE_VERSION})"
    remedy = (
        f"install botocore>={BOTOCORE_VERSION} on the controller (pip install --upgrade boto3 botocore), or sign in "
        "to Partner Central as the Alliance Lead and check Settings > Account Management by hand"
    )
    return [
        records.unknown(record_id(check), PHASE, TITLES[check], account, reason, remedy)
        for check in ("partner", "alliance_lead")
    ]


def partner_records(client, catalog, account=None, botocore_version=None):
    """The ``linking.partner`` and ``linking.alliance_lead`` records, and what was read.

    ``client`` is a boto3 ``partnercentral-account`` client (us-east-1), or None when this botocore lacks the
    API (``botocore_version`` names the one installed). Returns ``(records, partner, alliance_lead)``.
    """
    if client is None:
        return _botocore_too_old_records(account, botocore_version), None, None
    try:
        partner = partner_view(read_partner(client, catalog))
    except read_errors() as e:
        calls = "partnercentral:ListPartners and partnercentral:GetPartner"
        return (
            [
                _unknown_api("partner", account, e, calls),
                _unknown_api("alliance_lead", account, e, "partnercentral:GetAllianceLeadContact"),
            ],
            None,
            None,
        )
    found = [evaluate_partner(partner, catalog, account)]
    if partner is None:
        found.append(
            records.make_record(
                record_id("alliance_lead"),
                PHASE,
                TITLES["alliance_lead"],
                account,
                records.SKIPPED,
                "no partner to ask about: the account is not linked",
            )
        )
        return found, None, None
    try:
        lead = alliance_lead_view(_get_alliance_lead(client, catalog, partner["id"]))
    except read_errors() as e:
        found.append(_unknown_api("alliance_lead", account, e, "partnercentral:GetAllianceLeadContact"))
        return found, partner, None
    found.append(evaluate_alliance_lead(lead, account))
    return found, partner, lead


# --- what only a person can confirm --------------------------------------------------------------------


def _manual(check, account, step, confirm, blocking=False):
    record = records.manual(
        record_id(check), PHASE, TITLES[check], account, step, who="Alliance Lead", blocking=blocking
    )
    record["confirm"] = confirm  # records.py's optional key: how a person confirms the step is done
    return record


def manual_records(account=None, cloud_admin_roles=None):
    """The steps of phase 6 that no API shows, each with how a person confirms it."""
    names = ", ".join(r["name"] for r in cloud_admin_roles or []) or f"{LINKING_ROLE_PREFIX}..."
    return [
        _manual(
            "cloud_admin_assigned",
            account,
            f"assign the Cloud Admin role ({names}) to a person, usually the Alliance Lead, while linking; cloud "
            "admins can be mapped only to that role",
            f"in Partner Central, Settings > Manage linked account > User mappings shows that person mapped to {names}",
            blocking=True,
        ),
        _manual(
            "confirmation",
            account,
            "wait for AWS's e-mail confirming that the account was linked, and file it with the migration records",
            "the Alliance Lead has the confirmation e-mail from AWS Partner Central",
        ),
    ]


def linking_records(iam, partnercentral, catalog="AWS", account=None, partition="aws", botocore_version=None):
    """Every record of phase 6 for one account, and what was read: ``(records, facts)``.

    ``iam`` is a boto3 IAM client of the account; ``partnercentral`` a ``partnercentral-account`` client in
    us-east-1 acting for it, or None when botocore lacks that API.
    """
    role_record, roles = cloud_admin_role_record(iam, account, partition)
    api_records, partner, lead = partner_records(partnercentral, catalog, account, botocore_version)
    found = [role_record, *api_records, *manual_records(account, roles)]
    return found, {"cloud_admin_roles": roles, "partner": partner, "alliance_lead": lead}
