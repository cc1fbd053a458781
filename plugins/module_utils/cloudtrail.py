# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Denied ``AssumeRole`` calls on Partner Central roles in CloudTrail's event history (checklist phase 8).

After the migration, a user who cannot get into Partner Central shows up in CloudTrail as an ``AssumeRole`` on a
``PartnerCentralRoleFor*`` role that ended in an access-denied error code. ``LookupEvents`` reads the event
history (the last 90 days, of one region: STS's global endpoint logs in us-east-1) filtered by event name;
the role and the error are in each event's ``CloudTrailEvent`` document.

LookupEvents allows two calls a second per account and region. Every call here, retries included, goes through
one ``Pacer`` (at most ``calls_per_second``), and a throttled call backs off (retrying.backoff) before the next
attempt; pages are read one by one, so a throttled page does not restart the read. The read stops after
``max_pages`` pages (50 events each): an incomplete read with no denial is ``unknown``, never verified.

Record: ``validation.assume_role_denials`` (phase 8). Entry points take a boto3 CloudTrail client.
"""

import datetime
import json
import time

from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.diatonic.partnercentral.plugins.module_utils import records
from ansible_collections.diatonic.partnercentral.plugins.module_utils.checks import read_errors
from ansible_collections.diatonic.partnercentral.plugins.module_utils.checks import unchecked
from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import backoff

PHASE = "8"
RECORD_ID = "validation.assume_role_denials"
RECORD_IDS = (RECORD_ID,)
TITLE = "No denied AssumeRole on the Partner Central roles"
ROLE_PREFIX = "PartnerCentralRoleFor"
# LookupEvents' own limits: two calls a second per account and region, 50 events a page, 90 days of history.
CALLS_PER_SECOND = 2
PAGE_SIZE = 50
HISTORY_HOURS = 90 * 24
# How many denials the record's evidence names; every one is in the module's result.
EVIDENCE_DENIALS = 5


class CloudTrailError(AnsibleAWSError):
    pass


class CloudTrailErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = CloudTrailError


class Pacer:
    """At most ``per_second`` calls a second: ``wait()`` before each call sleeps for what is left of the gap.

    The gap runs from the end of the previous call (``done()``), so that two calls are never answered within
    less than a second of a third one, however long each takes.
    """

    def __init__(self, per_second=CALLS_PER_SECOND, clock=time.monotonic, sleep=time.sleep):
        self.interval = 1.0 / per_second
        self._clock = clock
        self._sleep = sleep
        self._last = None
        self.calls = 0

    def wait(self):
        if self._last is not None:
            left = self.interval - (self._clock() - self._last)
            if left > 0:
                self._sleep(left)
        self._last = self._clock()
        self.calls += 1

    def done(self):
        self._last = self._clock()


# --- validation (no AWS call) -------------------------------------------------------------------------


def option_problems(window_hours, max_pages, calls_per_second, role_prefix):
    problems = []
    if not 1 <= window_hours <= HISTORY_HOURS:
        problems.append(
            f"window_hours {window_hours} must be from 1 to {HISTORY_HOURS}: CloudTrail's event history keeps 90 days"
        )
    if max_pages < 1:
        problems.append(f"max_pages {max_pages} must be at least 1")
    if not 0 < calls_per_second <= CALLS_PER_SECOND:
        problems.append(
            f"calls_per_second {calls_per_second} must be more than 0 and at most {CALLS_PER_SECOND}: "
            "LookupEvents allows two calls a second per account and region"
        )
    if not role_prefix:
        problems.append(f"role_prefix must not be empty (the Partner Central roles start with {ROLE_PREFIX})")
    return problems


def window(window_hours, now=None):
    """``(start, end)``: the last ``window_hours`` hours up to ``now`` (UTC)."""
    end = now or datetime.datetime.now(datetime.timezone.utc)  # noqa: UP017 - module_utils compile for older targets
    return end - datetime.timedelta(hours=window_hours), end


# --- reads ---------------------------------------------------------------------------------------------


@CloudTrailErrorHandler.common_error_handler("look up AssumeRole events (cloudtrail:LookupEvents)")
def _lookup_page(client, pacer, params):
    raw = client.client if isinstance(client, RetryingBotoClientWrapper) else client

    @backoff()
    def call():
        pacer.wait()  # every attempt, retries too, keeps to the rate
        try:
            return raw.lookup_events(**params)
        finally:
            pacer.done()

    return call()


def read_assume_role_events(client, start, end, max_pages, pacer=None):
    """AssumeRole events from ``start`` to ``end``, page by page: ``(events, complete)``.

    ``complete`` is False when ``max_pages`` pages were read and CloudTrail had more.
    """
    pacer = pacer or Pacer()
    params = {
        "LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "AssumeRole"}],
        "StartTime": start,
        "EndTime": end,
        "MaxResults": PAGE_SIZE,
    }
    events = []
    for _page in range(max_pages):
        answer = _lookup_page(client, pacer, params)
        events.extend(answer.get("Events", []))
        token = answer.get("NextToken")
        if not token:
            return events, True
        params = dict(params, NextToken=token)
    return events, False


# --- judging (pure) ------------------------------------------------------------------------------------


def _role_arn(event, detail):
    arn = (detail.get("requestParameters") or {}).get("roleArn")
    if arn:
        return arn
    for resource in event.get("Resources") or []:
        if resource.get("ResourceType") == "AWS::IAM::Role":
            return resource.get("ResourceName")
    return None


def is_denied(error_code):
    code = (error_code or "").lower()
    return "denied" in code or "unauthorized" in code


def denial_of(event, role_prefix=ROLE_PREFIX):
    """The denial an event records, or None: an AssumeRole on a ``role_prefix`` role with an access-denied error."""
    try:
        detail = json.loads(event.get("CloudTrailEvent") or "{}")
    except ValueError:
        detail = {}
    if not is_denied(detail.get("errorCode")):
        return None
    arn = _role_arn(event, detail)
    role_name = (arn or "").rsplit("/", 1)[-1]
    if not role_name.startswith(role_prefix):
        return None
    identity = detail.get("userIdentity") or {}
    event_time = event.get("EventTime")
    return {
        "event_id": event.get("EventId") or detail.get("eventID"),
        "event_time": event_time.isoformat() if hasattr(event_time, "isoformat") else detail.get("eventTime"),
        "role_arn": arn,
        "role_name": role_name,
        "principal": identity.get("arn") or identity.get("invokedBy") or identity.get("principalId"),
        "source_ip": detail.get("sourceIPAddress"),
        "error_code": detail.get("errorCode"),
        "error_message": detail.get("errorMessage"),
        "region": detail.get("awsRegion"),
    }


def denials_in(events, role_prefix=ROLE_PREFIX):
    found = [denial_of(event, role_prefix) for event in events]
    return sorted((d for d in found if d), key=lambda d: d["event_time"] or "")


def _when(start, end):
    return f"from {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC"


def evaluate_denials(denials, events_read, complete, start, end, region, role_prefix=ROLE_PREFIX, account=None):
    """The record: failed with the denials as evidence; verified only when the whole window was read."""
    where = f"{role_prefix}* roles in {region} {_when(start, end)}"
    if denials:
        named = "; ".join(
            f"{d['event_time']} {d['role_name']} by {d['principal'] or 'an unknown principal'} "
            f"({d['error_code']}{': ' + d['error_message'] if d['error_message'] else ''})"
            for d in denials[:EVIDENCE_DENIALS]
        )
        more = f"; and {len(denials) - EVIDENCE_DENIALS} more" if len(denials) > EVIDENCE_DENIALS else ""
        return records.make_record(
            RECORD_ID,
            PHASE,
            TITLE,
            account,
            records.FAILED,
            f"{len(denials)} denied AssumeRole call(s) on {where}: {named}{more}",
            "for each role: check that its trust policy trusts only partnercentral-account-management.amazonaws.com "
            "(playbooks/personas.yml restores it) and that the user is mapped to it in Partner Central (Settings > "
            "Manage linked account > User mappings); then run the validation again",
        )
    if not complete:
        return records.unknown(
            RECORD_ID,
            PHASE,
            TITLE,
            account,
            f"read the first {events_read} AssumeRole events on {where} and CloudTrail has more; none was denied",
            "narrow the window (window_hours) or raise max_pages, and run again",
        )
    return records.make_record(
        RECORD_ID,
        PHASE,
        TITLE,
        account,
        records.VERIFIED,
        f"no denied AssumeRole on {where} ({events_read} AssumeRole events read)",
    )


def denial_records(
    client, window_hours, max_pages, region, role_prefix=ROLE_PREFIX, account=None, now=None, pacer=None
):
    """The record of the window, and what was read: ``(records, facts)``."""
    start, end = window(window_hours, now)
    facts = {"start_time": start.isoformat(), "end_time": end.isoformat(), "events_read": 0, "complete": False}
    try:
        events, complete = read_assume_role_events(client, start, end, max_pages, pacer)
    except read_errors() as e:
        record = unchecked(
            RECORD_ID,
            PHASE,
            TITLE,
            account,
            e,
            "cloudtrail:LookupEvents",
            f"open CloudTrail > Event history in {region}, filter on Event name AssumeRole and look for an error "
            f"code on {role_prefix}* roles",
        )
        return [record], dict(facts, denials=[])
    denials = denials_in(events, role_prefix)
    facts.update(events_read=len(events), complete=complete, denials=denials)
    return [evaluate_denials(denials, len(events), complete, start, end, region, role_prefix, account)], facts
