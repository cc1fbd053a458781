"""Stand-in for the AWS Free Tier API (signing name ``freetier``), which moto lacks.

Serves the account plan calls that the preflight checks use, statefully from
the sandbox state (``state.get(account_id)["plan"]``, set through
``POST /_sandbox/state``):

* ``GetAccountPlanState``: the caller's own account, as in AWS (the request
  has no account parameter). A free plan is ``ACTIVE`` with its remaining
  credits and expiry date; a paid plan has neither.
* ``UpgradeAccountPlan``: only to ``PAID``, as AWS offers no way back to the
  free plan (``ValidationException``); upgrading a paid account leaves it as
  it is.

Requests are validated against botocore's model and answered in the JSON 1.0
wire format (see _common). The other Free Tier operations (usage, activities)
are not served.
"""

from __future__ import annotations

import datetime

import state

from ._common import ServiceError
from ._common import json_service

SERVICE = "freetier"
# What AWS grants a new free-plan account: up to 200 USD of credits for six months.
FREE_PLAN_CREDITS = {"amount": 200.0, "unit": "USD"}
FREE_PLAN_LENGTH = datetime.timedelta(days=182)


def _plan_state(account_id: str) -> dict:
    plan = state.get(account_id)["plan"]
    answer = {"accountId": account_id, "accountPlanType": plan, "accountPlanStatus": "ACTIVE"}
    if plan == "FREE":
        answer["accountPlanRemainingCredits"] = dict(FREE_PLAN_CREDITS)
        # Counted from today (midnight UTC), so that repeated calls agree. The
        # model gives this member timestampFormat iso8601: it travels as a string.
        today = datetime.datetime.now(datetime.UTC).date()
        answer["accountPlanExpirationDate"] = (today + FREE_PLAN_LENGTH).isoformat() + "T00:00:00Z"
    return answer


def get_account_plan_state(account_id: str, params: dict) -> dict:
    return _plan_state(account_id)


def upgrade_account_plan(account_id: str, params: dict) -> dict:
    if params["accountPlanType"] != "PAID":
        raise ServiceError("ValidationException", "An account plan can only be upgraded to PAID")
    state.apply({"account_id": account_id, "plan": "PAID"})
    answer = _plan_state(account_id)
    return {key: answer[key] for key in ("accountId", "accountPlanType", "accountPlanStatus")}


serve = json_service(
    SERVICE,
    {
        "GetAccountPlanState": get_account_plan_state,
        "UpgradeAccountPlan": upgrade_account_plan,
    },
)
