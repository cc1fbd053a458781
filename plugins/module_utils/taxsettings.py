# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tax registrations of the consolidated billing family (AWS Tax Settings API, ``taxsettings``), read only.

``read_tax_registrations(taxsettings)`` lists every account's registration (ListTaxRegistrations, IAM action
``tax:ListTaxRegistrations``, every page, the whole read retried) as ``{"account_id", "registration_type",
"status", "country", "state", "legal_name", "address_country"}``: ``country`` is the registration's jurisdiction,
``address_country`` the country of the account's tax address (or its address), either None when AWS gives none.
The API has one endpoint (us-east-1 in the aws partition); botocore knows it from ``TAXSETTINGS_BOTOCORE`` on.
"""

from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import paginate

SERVICE = "taxsettings"
OPERATION = "ListTaxRegistrations"
ACTION = "tax:ListTaxRegistrations"
REGION = "us-east-1"
# The first botocore release with the Tax Settings model.
TAXSETTINGS_BOTOCORE = "1.34.119"


class TaxSettingsError(AnsibleAWSError):
    pass


class TaxSettingsErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = TaxSettingsError


def _address_country(metadata):
    roles = metadata.get("addressRoleMap") or {}
    tax_address = roles.get("TaxAddress") or {}
    return tax_address.get("countryCode") or (metadata.get("address") or {}).get("countryCode")


def registration_view(details):
    """One ``accountDetails`` entry of ListTaxRegistrations, flattened."""
    registration = details.get("taxRegistration") or {}
    jurisdiction = registration.get("jurisdiction") or {}
    return {
        "account_id": details.get("accountId"),
        "registration_type": registration.get("registrationType"),
        "status": registration.get("status"),
        "country": jurisdiction.get("countryCode"),
        "state": jurisdiction.get("stateOrRegion"),
        "legal_name": registration.get("legalName"),
        "address_country": _address_country(details.get("accountMetaData") or {}),
    }


@TaxSettingsErrorHandler.common_error_handler("list the tax registrations (tax:ListTaxRegistrations)")
def read_tax_registrations(taxsettings):
    """The tax registration of every account of the consolidated billing family."""
    return [registration_view(d) for d in paginate(taxsettings, "list_tax_registrations", "accountDetails")]
