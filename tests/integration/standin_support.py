"""Helpers for tests that set what the sandbox's stand-ins answer (tests/sandbox/standins/, /tmp/coord/standins.md).

Each sets one account's state through ``POST /_sandbox/state``; a list or object given replaces the account's
earlier one. The sandbox refuses (HTTP 400, seed.ControlError naming the problem) a value the real API could never
answer, checked against botocore's model.
"""

from __future__ import annotations

import datetime

ASSUME_ROLE_DENIED = "AccessDenied"


def _post(sandbox, account_id: str, **state) -> dict:
    return sandbox.control("/_sandbox/state", {"account_id": account_id, **state})


def link_partner_central(sandbox, account_id: str, **settings) -> dict:
    """The account linked to Partner Central (``ListPartners`` finds its partner). ``settings``: catalog,
    partner_id, legal_name, created_at, alliance_lead (a dict, or None for none recorded), access_denied."""
    return _post(sandbox, account_id, partner_central={"linked": True, **settings})


def unlink_partner_central(sandbox, account_id: str) -> dict:
    return _post(sandbox, account_id, partner_central={"linked": False})


def deny_partner_central(sandbox, account_id: str, linked: bool = True) -> dict:
    """Partner Central refuses the account's credentials: every call answers AccessDeniedException."""
    return _post(sandbox, account_id, partner_central={"linked": linked, "access_denied": True})


def partner_id(account_id: str) -> str:
    """The partner ID the sandbox gives a linked account unless told another."""
    return "partner-a" + account_id


def cloudtrail_record(
    event_name: str,
    *,
    role_arn: str | None = None,
    error_code: str | None = None,
    when: datetime.datetime | None = None,
    region: str = "us-east-1",
    **extra,
) -> dict:
    """A CloudTrail record (the JSON that LookupEvents returns in CloudTrailEvent) for ``record_events``."""
    record = {"eventName": event_name, "awsRegion": region, **extra}
    if when is not None:
        record["eventTime"] = when.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if error_code:
        record["errorCode"] = error_code
    if role_arn:
        record["resources"] = [{"accountId": role_arn.split(":")[4], "type": "AWS::IAM::Role", "ARN": role_arn}]
        record.setdefault("requestParameters", {"roleArn": role_arn, "roleSessionName": "session"})
    return record


def record_events(sandbox, account_id: str, *records: dict) -> None:
    """Append events to the account's CloudTrail event history (they are not replaced)."""
    _post(sandbox, account_id, cloudtrail_events=list(records))


def record_denied_assume_role(sandbox, account_id: str, role_name: str, when: datetime.datetime | None = None):
    """A refused sts:AssumeRole of ``role_name`` (in ``account_id``) in that account's event history, as
    CloudTrail records it. The sandbox also records one by itself whenever it refuses an AssumeRole: of a role
    whose trust lets in only services (the Partner Central roles), or one IAM enforcement denies."""
    role_arn = f"arn:aws:iam::{account_id}:role/{role_name}"
    record_events(
        sandbox,
        account_id,
        cloudtrail_record(
            "AssumeRole",
            role_arn=role_arn,
            error_code=ASSUME_ROLE_DENIED,
            when=when,
            errorMessage=f"User: arn:aws:iam::{account_id}:user/someone is not authorized to perform: "
            f"sts:AssumeRole on resource: {role_arn}",
            userIdentity={
                "type": "IAMUser",
                "accountId": account_id,
                "arn": f"arn:aws:iam::{account_id}:user/someone",
                "userName": "someone",
            },
        ),
    )


def set_lookup_events_rate(sandbox, account_id: str, per_second: int | None, window_seconds: float = 1.0) -> dict:
    """LookupEvents calls answered per ``window_seconds`` (default 1) before ThrottlingException (default 2 a
    second, AWS's); None: no limit. A long window makes the limit certain on a loaded machine."""
    return _post(sandbox, account_id, lookup_events_per_second=per_second, lookup_events_window_seconds=window_seconds)


def throttle_next_lookups(sandbox, account_id: str, count: int) -> dict:
    """The account's next ``count`` LookupEvents calls answer ThrottlingException whatever the rate: a client
    with more attempts than that gets through after exactly ``count`` retries."""
    return _post(sandbox, account_id, lookup_events_throttle_next=count)


def set_identity_center(sandbox, account_id: str, **settings) -> dict:
    """Identity Center in the account holding the instance: enabled (bool), provisioning_reads (status reads
    answering IN_PROGRESS before the final one), role_policy_quota (policies per permission set before
    provisioning FAILS; default 10), provisioning_failure (a FailureReason every provisioning ends with)."""
    return _post(sandbox, account_id, identity_center=settings)


def set_payment_instruments(sandbox, account_id: str, *instruments: dict) -> dict:
    """payments:ListPaymentInstruments' answer, e.g. ``{"paymentMethod": "CARD", "status": "ACTIVE"}``; none given:
    the account has no payment method."""
    return _post(sandbox, account_id, payment_instruments=list(instruments))


def tax_registration(country: str, registration_id: str, legal_name: str = "Example Ltd", **extra) -> dict:
    """One AccountDetails entry for ``set_tax_registrations`` (a verified VAT registration by default)."""
    return {
        "taxRegistration": {
            "registrationId": registration_id,
            "registrationType": "VAT",
            "legalName": legal_name,
            "status": "Verified",
            "jurisdiction": {"countryCode": country},
            **extra,
        }
    }


def set_tax_registrations(sandbox, account_id: str, *details: dict) -> dict:
    return _post(sandbox, account_id, tax_registrations=list(details))


def billing_transfer(target_account_id: str, target_email: str, status: str = "ACCEPTED", **extra) -> dict:
    """One outbound BILLING responsibility transfer for ``set_responsibility_transfers``."""
    return {
        "Name": extra.pop("Name", "Billing transfer"),
        "Status": status,
        "Target": {"ManagementAccountId": target_account_id, "ManagementAccountEmail": target_email},
        "StartTimestamp": extra.pop("StartTimestamp", "2026-01-01T00:00:00Z"),
        **extra,
    }


def set_responsibility_transfers(sandbox, management_account_id: str, *transfers: dict) -> dict:
    """organizations:ListOutboundResponsibilityTransfers' answer for the organization's management account."""
    return _post(sandbox, management_account_id, responsibility_transfers=list(transfers))
