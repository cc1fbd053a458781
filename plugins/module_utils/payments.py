# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The account's payment instruments (AWS Payments API, ``payments``), read only.

``read_payment_instruments(payments)`` lists every instrument (payments:ListPaymentInstruments, every page, the
whole read retried) as ``{"id", "arn", "payment_method", "status", "created", "updated"}``. The API has one
endpoint (us-east-1 in the aws partition); botocore knows it from ``PAYMENTS_BOTOCORE`` on.
"""

from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import paginate

SERVICE = "payments"
OPERATION = "ListPaymentInstruments"
ACTION = "payments:ListPaymentInstruments"
REGION = "us-east-1"
# The first botocore release seen with the payments model (1.44.5 has none).
PAYMENTS_BOTOCORE = "1.44.8"
# The model's PaymentMethod values, for checking a variable without the model (older botocore has none).
PAYMENT_METHODS = (
    "CARD",
    "US_ACH_BANK_ACCOUNT",
    "SEPA_BANK_ACCOUNT",
    "UK_BACS_BANK_ACCOUNT",
    "IN_NET_BANKING",
    "CN_BANK_REDIRECT",
    "UPI",
    "PIX",
    "PAY_BY_INVOICE",
)


class PaymentsError(AnsibleAWSError):
    pass


class PaymentsErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = PaymentsError


def _iso(timestamp):
    return timestamp.isoformat() if hasattr(timestamp, "isoformat") else timestamp


@PaymentsErrorHandler.common_error_handler("list the payment instruments (payments:ListPaymentInstruments)")
def read_payment_instruments(payments):
    """Every payment instrument of the account, in the order AWS lists them."""
    return [
        {
            "id": instrument.get("id"),
            "arn": instrument.get("arn"),
            "payment_method": instrument.get("paymentMethod"),
            "status": instrument.get("status"),
            "created": _iso(instrument.get("createdAt")),
            "updated": _iso(instrument.get("updatedAt")),
        }
        for instrument in paginate(payments, "list_payment_instruments", "paymentInstrumentSummaries")
    ]
