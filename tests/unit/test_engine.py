"""engine.converge: read, guard, validate, plan, apply, in that order, with nothing written before all is known."""

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from botocore.stub import Stubber

from ansible_collections.diatonic.partnercentral.plugins.module_utils import engine
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import RoleError
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import RoleErrorHandler


def recorder(steps, check_mode=False, problems=(), calls=(("write", {}),)):
    def step(name, result=None):
        def run(*args):
            steps.append(name)
            return result

        return run

    return engine.converge(
        step("read", {"state": "current"}),
        step("plan", [engine.new_plan(list(calls), {}, {"x": 1})]),
        step("apply", "applied"),
        guard=step("guard"),
        validate=step("validate", (list(problems), "Cannot do it")),
        check_mode=check_mode,
    )


def test_the_steps_run_in_order_and_apply_only_plans_with_calls():
    steps = []
    current, plans, applied = recorder(steps)
    assert steps == ["read", "guard", "validate", "plan", "apply"]
    assert current == {"state": "current"} and applied == ["applied"]

    steps.clear()
    _current, _plans, applied = recorder(steps, calls=())
    assert steps == ["read", "guard", "validate", "plan"]
    assert applied == [None]


def test_check_mode_plans_and_applies_nothing():
    steps = []
    _current, plans, applied = recorder(steps, check_mode=True)
    assert steps == ["read", "guard", "validate", "plan"]
    assert plans[0]["calls"] and applied == [None]


def test_a_problem_refuses_everything_before_planning():
    steps = []
    with pytest.raises(engine.PlanError) as raised:
        recorder(steps, problems=["first", "second"])
    assert steps == ["read", "guard", "validate"]
    assert raised.value.message == "Cannot do it, nothing was changed: first; second"
    assert raised.value.problems == ["first", "second"]


def test_a_refusing_guard_stops_before_validation_and_writes():
    steps = []

    def guard(current):
        steps.append("guard")
        raise RoleError(message="wrong account")

    with pytest.raises(RoleError):
        engine.converge(lambda: {}, lambda c: steps.append("plan"), lambda p: steps.append("apply"), guard=guard)
    assert steps == ["guard"]


@pytest.fixture
def iam():
    client = boto3.client("iam", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    with Stubber(client) as stubber:
        client.stubber = stubber
        yield client
        stubber.assert_no_pending_responses()


def test_apply_calls_makes_each_call_in_order_and_names_the_failing_one(iam):
    iam.stubber.add_response("tag_role", {}, {"RoleName": "r", "Tags": [{"Key": "a", "Value": "b"}]})
    iam.stubber.add_client_error("untag_role", service_error_code="AccessDenied", http_status_code=403)
    calls = [
        ("tag_role", {"RoleName": "r", "Tags": [{"Key": "a", "Value": "b"}]}),
        ("untag_role", {"RoleName": "r", "TagKeys": ["c"]}),
    ]
    with pytest.raises(RoleError) as raised:
        engine.apply_calls(RetryingBotoClientWrapper(iam, lambda f: f), calls, RoleErrorHandler, "role r")
    assert raised.value.message == "Failed to untag role for role r"


def test_apply_calls_uses_a_special_operation_and_runs_the_after_hook(iam):
    seen = []

    def special(client, **params):
        seen.append(("special", params))
        return {"done": True}

    engine.apply_calls(
        iam,
        [("create_role", {"RoleName": "r"})],
        RoleErrorHandler,
        "role r",
        operations={"create_role": special},
        after_call=lambda operation, params, response: seen.append((operation, response)),
    )
    assert seen == [("special", {"RoleName": "r"}), ("create_role", {"done": True})]


def test_keyed_diff_lists_only_what_changes():
    plans = [
        ("a", engine.new_plan([("x", {})], {"v": 1}, {"v": 2})),
        ("b", engine.new_plan([], {"v": 1}, {"v": 1})),
    ]
    assert engine.keyed_diff(plans) == {"before": {"a": {"v": 1}}, "after": {"a": {"v": 2}}}
