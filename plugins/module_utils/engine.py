# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One plan/apply engine for every resource the collection converges with a diff: read, validate, plan, apply.

``converge`` runs the four steps in this order for a set of resources, so that
nothing is written before everything is known:

1. ``read()``: every read call; returns the current state (any shape).
2. ``guard(current)``: the account guard (accounts.Account.require), after the
   reads, which often tell the account for free, and before any write.
3. ``validate(current)``: problems that need the current state (a managed
   policy that does not exist, a combination AWS rejects); any problem refuses
   the whole run with PlanError, nothing written.
4. ``plan(current)``: pure; a list of plans in the order they are applied.
   Check mode stops here.
5. ``apply(plan)`` for each plan with calls.

A plan is a dict made by ``new_plan``: ``calls`` (``(operation, params)``
write calls, in order), ``before`` and ``after`` (views for the diff),
``warnings`` and whatever a resource adds (``extra_policies``...).
``apply_calls`` makes a plan's calls through one service's error handler.
Used by iam_roles (roles, their managed and inline policies) and cur (report
definitions and their bucket policy).
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError


class PlanError(AnsibleAWSError):
    """The desired state was refused before any write: nothing was changed."""

    def __init__(self, message=None, problems=None, **kwargs):
        super().__init__(message=message, **kwargs)
        self.problems = list(problems or [])


def refuse(problems, what):
    """Raise PlanError listing every problem when there is any."""
    if problems:
        raise PlanError(message=f"{what}, nothing was changed: " + "; ".join(problems), problems=problems)


def new_plan(calls=None, before=None, after=None, warnings=None, **details):
    return {
        "calls": list(calls or []),
        "before": {} if before is None else before,
        "after": {} if after is None else after,
        "warnings": list(warnings or []),
        **details,
    }


def converge(read, plan, apply, guard=None, validate=None, check_mode=False):
    """Read, guard, validate, plan, then (unless ``check_mode``) apply. See the module docstring.

    Returns ``(current, plans, applied)``; ``applied`` holds what ``apply``
    returned for each plan (None when it had no calls or in check mode).
    """
    current = read()
    if guard is not None:
        guard(current)
    if validate is not None:
        problems, what = validate(current)
        refuse(problems, what)
    plans = plan(current)
    applied = []
    for each in plans:
        applied.append(apply(each) if each["calls"] and not check_mode else None)
    return current, plans, applied


def apply_calls(client, calls, error_handler, resource, operations=None, after_call=None):
    """Make ``calls`` in order through ``client`` (one that takes ``aws_retry``), each retried.

    A failure raises ``error_handler``'s exception naming the operation and
    ``resource``. ``operations`` maps an operation to a function
    ``(client, **params)`` doing it in several calls; ``after_call(operation,
    params, response)`` runs after each call (waiting for a new resource).
    Returns the responses, in order.
    """
    responses = []
    for operation, params in calls:
        special = (operations or {}).get(operation)
        action = _retried_call(getattr(client, operation)) if special is None else _bound(special, client)
        call = error_handler.common_error_handler(f"{operation.replace('_', ' ')} for {resource}")(action)
        response = call(**params)
        responses.append(response)
        if after_call is not None:
            after_call(operation, params, response)
    return responses


def _retried_call(method):
    def call(**params):
        return method(aws_retry=True, **params)

    return call


def _bound(action, client):
    def call(**params):
        return action(client, **params)

    return call


def keyed_diff(named_plans):
    """The diff of several resources keyed by name, listing only those that change."""
    changing = [(name, plan) for name, plan in named_plans if plan["calls"]]
    return {
        "before": {name: plan["before"] for name, plan in changing},
        "after": {name: plan["after"] for name, plan in changing},
    }
