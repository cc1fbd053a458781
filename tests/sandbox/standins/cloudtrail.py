"""Stand-in for CloudTrail's ``LookupEvents`` (moto's CloudTrail lacks it); moto serves CloudTrail's other calls.

Event history, per account and region, newest first, kept for the sandbox's lifetime. Events get there two ways:

* the sandbox records them as AWS does: an ``sts:AssumeRole`` the sandbox refuses (the role's trust does not let
  the caller in, or IAM enforcement denies the caller) is an ``AssumeRole`` event with ``errorCode``
  ``AccessDenied`` in the caller's account and, when the role is in another account, in the role's account too;
  its resource is the role (``AWS::IAM::Role``, the role's ARN). See ``record_denied_assume_role``;
* tests post them: ``POST /_sandbox/state`` with ``{"account_id": ..., "cloudtrail_events": [record, ...]}``
  appends records in CloudTrail's own record format (what ``CloudTrailEvent`` holds): ``eventName`` is required;
  ``eventTime`` (ISO 8601, default now), ``eventSource`` (default from ``eventName``: AssumeRole is
  ``sts.amazonaws.com``), ``awsRegion`` (default us-east-1), ``errorCode``, ``errorMessage``, ``userIdentity``,
  ``readOnly`` and ``resources`` (``[{"ARN": ..., "accountId": ..., "type": "AWS::IAM::Role"}]``) are optional.

``LookupEvents`` answers as CloudTrail does: at most one lookup attribute (``InvalidLookupAttributesException``
otherwise), any of EventId, EventName, ReadOnly, Username, ResourceType, ResourceName, EventSource, AccessKeyId;
``StartTime``/``EndTime`` inclusive (``InvalidTimeRangeException`` when the start is after the end);
``MaxResults`` 1 to 50, 50 by default (``InvalidMaxResultsException`` beyond); ``NextToken`` from the previous
page (``InvalidNextTokenException`` for any other). Each event carries
EventId, EventName, ReadOnly, AccessKeyId, EventTime, EventSource, Username, Resources and the record as a JSON
string in CloudTrailEvent.

Rate limit: CloudTrail allows LookupEvents 2 calls a second per account and region. The sandbox answers
``ThrottlingException`` (HTTP 400, "Rate exceeded") to a call when ``lookup_events_per_second`` calls (default 2)
of the same account and region were answered in the second before it: a third call within one second of the first
is refused, whatever the machine's speed, and a client's retries (which wait) get through. Throttled calls do not
count. Set ``"lookup_events_per_second": null`` in an account's state to switch the limit off for it, or another
whole number to change it; ``"lookup_events_window_seconds"`` (default 1) stretches the window, so that a test on
a loaded machine can rely on the limit (2 calls in 60 s: the third is refused however slow the calls are).
``"lookup_events_throttle_next": N`` throttles the account's next N LookupEvents calls whatever the rate (then
the rate applies again): a client with more than N attempts gets through after exactly N retries.
"""

from __future__ import annotations

import base64
import collections
import copy
import datetime
import json
import threading
import time
import uuid

import state

from ._common import ServiceError
from ._common import current_request
from ._common import json_service
from ._common import parse_time

SERVICE = "cloudtrail"
MAX_RESULTS = 50
DEFAULT_RATE = 2
_ATTRIBUTE_FIELDS = {
    "EventId": "EventId",
    "EventName": "EventName",
    "ReadOnly": "ReadOnly",
    "Username": "Username",
    "EventSource": "EventSource",
    "AccessKeyId": "AccessKeyId",
}
_EVENT_SOURCES = {"AssumeRole": "sts.amazonaws.com", "GetCallerIdentity": "sts.amazonaws.com"}

_lock = threading.Lock()
_events: dict[tuple[str, str], list[dict]] = {}  # (account, region) -> Event dicts, oldest first
_answered: dict[tuple[str, str], collections.deque] = {}  # (account, region) -> monotonic times of answered calls
_refuse_next: dict[str, int] = {}  # account -> LookupEvents calls still to throttle whatever the rate


def reset() -> None:
    with _lock:
        _events.clear()
        _answered.clear()
        _refuse_next.clear()


state.on_reset(reset)


# --- recording events -----------------------------------------------------------


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _username(identity: dict) -> str | None:
    if identity.get("userName"):
        return identity["userName"]
    arn = identity.get("arn") or ""
    if ":assumed-role/" in arn:
        return arn.rsplit("/", 1)[-1]  # the session name, as CloudTrail's event history shows it
    if arn.endswith(":root"):
        return "root"
    return arn.rsplit("/", 1)[-1] or None


def _event_of(record: dict) -> dict:
    """The LookupEvents ``Event`` for a CloudTrail record."""
    identity = record.get("userIdentity") or {}
    event = {
        "EventId": record["eventID"],
        "EventName": record["eventName"],
        "ReadOnly": "true" if record.get("readOnly", True) else "false",
        "EventTime": datetime.datetime.fromisoformat(record["eventTime"].replace("Z", "+00:00")),
        "EventSource": record["eventSource"],
        "Resources": [
            {"ResourceType": resource.get("type"), "ResourceName": resource.get("ARN")}
            for resource in record.get("resources") or []
        ],
        "CloudTrailEvent": json.dumps(record),
    }
    if identity.get("accessKeyId"):
        event["AccessKeyId"] = identity["accessKeyId"]
    username = _username(identity)
    if username:
        event["Username"] = username
    return event


def record(account_id: str, record_: dict) -> dict:
    """Add a CloudTrail record (completed with CloudTrail's defaults) to ``account_id``'s event history."""
    if not isinstance(record_, dict) or not isinstance(record_.get("eventName"), str):
        raise state.StateError("a CloudTrail event is a JSON object with at least an eventName")
    full = {
        "eventVersion": "1.11",
        "eventTime": _iso(_now()),
        "eventSource": _EVENT_SOURCES.get(record_["eventName"], "unknown.amazonaws.com"),
        "awsRegion": "us-east-1",
        "sourceIPAddress": "192.0.2.10",
        "userAgent": "aws-cli/2",
        "requestParameters": None,
        "responseElements": None,
        "requestID": str(uuid.uuid4()),
        "eventID": str(uuid.uuid4()),
        "readOnly": True,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account_id,
        "eventCategory": "Management",
        **copy.deepcopy(record_),
    }
    try:
        _event_of(full)
        parse_time(full["eventTime"])
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise state.StateError(f"CloudTrail event {record_!r} is not valid: {error}") from None
    with _lock:
        events = _events.setdefault((account_id, full["awsRegion"]), [])
        events.append(_event_of(full))
        events.sort(key=lambda event: event["EventTime"])
    return full


def _post_events(account_id: str, value):
    if not isinstance(value, list):
        raise state.StateError("cloudtrail_events must be a list of CloudTrail records")
    for item in value:
        record(account_id, item)
    return state.NOT_STORED


def _rate(account_id: str, value):
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
        raise state.StateError("lookup_events_per_second must be a whole number of 1 or more, or null (no limit)")
    return value


def _window(account_id: str, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise state.StateError("lookup_events_window_seconds must be a number of seconds above 0")
    return float(value)


def _throttle_next(account_id: str, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise state.StateError("lookup_events_throttle_next must be a whole number, 0 or more")
    with _lock:
        _refuse_next[account_id] = value
    return state.NOT_STORED


state.register("cloudtrail_events", [], _post_events)
state.register("lookup_events_per_second", DEFAULT_RATE, _rate)
state.register("lookup_events_window_seconds", 1.0, _window)
state.register("lookup_events_throttle_next", 0, _throttle_next)


def caller_identity(access_key: str, account_id: str) -> dict:
    """CloudTrail's ``userIdentity`` for the keys that made a call, from moto's STS and IAM."""
    from moto.sts.models import sts_backends

    try:
        _user_id, arn, _account = sts_backends[account_id]["aws"].get_caller_identity(access_key, "us-east-1")
    except Exception:  # noqa: BLE001 - keys moto does not know: the call came from the account itself
        arn = f"arn:aws:iam::{account_id}:root"
    identity = {"accountId": account_id, "accessKeyId": access_key, "arn": arn}
    if ":assumed-role/" in arn:
        identity["type"] = "AssumedRole"
        role_name = arn.split(":assumed-role/", 1)[1].split("/", 1)[0]
        identity["sessionContext"] = {
            "sessionIssuer": {
                "type": "Role",
                "accountId": account_id,
                "arn": f"arn:aws:iam::{account_id}:role/{role_name}",
                "userName": role_name,
            }
        }
    elif arn.endswith(":root"):
        identity["type"] = "Root"
    else:
        identity["type"] = "IAMUser"
        identity["userName"] = arn.rsplit("/", 1)[-1]
    return identity


def record_denied_assume_role(caller_account: str, access_key: str, role_arn: str, region: str, message: str):
    """Record a refused sts:AssumeRole as CloudTrail does: in the caller's account, and in the role's account
    when that is another one (both with the same sharedEventID)."""
    identity = caller_identity(access_key, caller_account)
    role_account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else caller_account
    base = {
        "eventName": "AssumeRole",
        "eventSource": "sts.amazonaws.com",
        "awsRegion": region,
        "userIdentity": identity,
        "errorCode": "AccessDenied",
        "errorMessage": message,
        "requestParameters": {"roleArn": role_arn, "roleSessionName": "session"},
        "readOnly": True,
        "resources": [{"accountId": role_account, "type": "AWS::IAM::Role", "ARN": role_arn}],
    }
    accounts = [caller_account] if role_account == caller_account else [caller_account, role_account]
    shared = {"sharedEventID": str(uuid.uuid4())} if len(accounts) > 1 else {}
    for account in accounts:
        record(account, {**base, **shared, "recipientAccountId": account})


# --- LookupEvents -------------------------------------------------------------


def _encode_token(event_id: str, account_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([account_id, event_id]).encode()).decode()


def _decode_token(token: str, account_id: str) -> str:
    try:
        owner, event_id = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, TypeError):
        raise ServiceError("InvalidNextTokenException", "Invalid NextToken") from None
    if owner != account_id:
        raise ServiceError("InvalidNextTokenException", "Invalid NextToken")
    return event_id


def _throttle(account_id: str, region: str) -> None:
    settings = state.get(account_id)
    limit, window = settings["lookup_events_per_second"], settings["lookup_events_window_seconds"]
    with _lock:
        if _refuse_next.get(account_id, 0) > 0:
            _refuse_next[account_id] -= 1
            raise ServiceError("ThrottlingException", "Rate exceeded")
    if limit is None:
        return
    now = time.monotonic()
    with _lock:
        answered = _answered.setdefault((account_id, region), collections.deque())
        while answered and now - answered[0] >= window:
            answered.popleft()
        if len(answered) >= limit:
            raise ServiceError("ThrottlingException", "Rate exceeded")
        answered.append(now)


def _before(operation: str, params: dict) -> None:
    """What CloudTrail refuses with its own codes rather than a ValidationException."""
    if operation != "LookupEvents":
        return
    request = current_request()
    _throttle(request.account_id, request.region)
    maximum = params.get("MaxResults")
    if isinstance(maximum, int) and not 1 <= maximum <= MAX_RESULTS:
        raise ServiceError("InvalidMaxResultsException", f"MaxResults must be from 1 to {MAX_RESULTS}")
    attributes = params.get("LookupAttributes")
    if isinstance(attributes, list) and len(attributes) > 1:
        raise ServiceError("InvalidLookupAttributesException", "You can specify only one lookup attribute")
    if params.get("EventCategory") not in (None, "insight"):
        raise ServiceError("InvalidEventCategoryException", "EventCategory must be insight")


def _matches(event: dict, attribute: dict | None) -> bool:
    if attribute is None:
        return True
    key, value = attribute["AttributeKey"], attribute["AttributeValue"]
    if key == "ResourceType":
        return any(resource["ResourceType"] == value for resource in event["Resources"])
    if key == "ResourceName":
        return any(resource["ResourceName"] == value for resource in event["Resources"])
    return event.get(_ATTRIBUTE_FIELDS[key]) == value


def lookup_events(account_id: str, params: dict) -> dict:
    region = current_request().region
    start = parse_time(params["StartTime"]) if "StartTime" in params else None
    end = parse_time(params["EndTime"]) if "EndTime" in params else None
    if start and end and start > end:
        raise ServiceError("InvalidTimeRangeException", "Start time must be before end time")
    if params.get("EventCategory") == "insight":
        return {"Events": []}  # Insights events: the sandbox has none
    attributes = params.get("LookupAttributes") or [None]
    with _lock:
        events = list(reversed(_events.get((account_id, region), [])))  # newest first
    found = [
        event
        for event in events
        if _matches(event, attributes[0])
        and (start is None or event["EventTime"] >= start)
        and (end is None or event["EventTime"] <= end)
    ]
    if params.get("NextToken"):
        after = _decode_token(params["NextToken"], account_id)
        ids = [event["EventId"] for event in found]
        if after not in ids:
            raise ServiceError("InvalidNextTokenException", "Invalid NextToken")
        found = found[ids.index(after) :]
    size = params.get("MaxResults") or MAX_RESULTS
    page = [copy.deepcopy(event) for event in found[:size]]
    result = {"Events": page}
    if len(found) > size:
        result["NextToken"] = _encode_token(found[size]["EventId"], account_id)
    return result


serve = json_service(SERVICE, {"LookupEvents": lookup_events}, only_handlers=True, before=_before)
