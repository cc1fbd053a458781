"""What the least-privilege tests need: the shipped policies, identities holding only one of them, moto's IAM
enforcement, and an evaluator of a policy's Allow statements against the sandbox's call log.

The identities are set up the way the README tells users to: a caller (an IAM user in the management account)
whose only permission is ``sts:AssumeRole`` on the runner roles, and in each account a runner role that holds
exactly one playbook's policy, trusting that caller. Each host of the inventory assumes its account's runner role.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import os
import urllib.request
from contextlib import contextmanager

from integration_support import DEFAULT_ACCOUNT_ID
from integration_support import ROOT
from integration_support import aws_client
from integration_support import write_inventory

POLICIES = os.path.join(ROOT, "policies")
CALLER = "diatonic-lp-caller"
RUNNER_PREFIX = "diatonic-lp-"
# Calls the runner's policy does not grant, and why:
NOT_IN_RUNNER_POLICY = {
    # Needs no permission (AWS answers it even under an explicit Deny).
    "sts:GetCallerIdentity",
    # The credentials role assumes the runner role with the caller's credentials: granted on the caller's side.
    "sts:AssumeRole",
}


def load_policy(playbook: str) -> dict:
    with open(os.path.join(POLICIES, f"{playbook}.json")) as handle:
        return json.load(handle)


def granted_actions(policy: dict) -> set[str]:
    return {action for statement in _statements(policy) for action in _listed(statement.get("Action"))}


def without_action(policy: dict, action: str) -> dict:
    """The policy with one action taken out of every statement (a statement left with none is dropped)."""
    reduced = copy.deepcopy(policy)
    kept = []
    for statement in _statements(reduced):
        actions = [a for a in _listed(statement["Action"]) if a != action]
        if actions:
            statement["Action"] = actions
            kept.append(statement)
    reduced["Statement"] = kept
    assert len(granted_actions(reduced)) == len(granted_actions(policy)) - 1, f"{action} is not in the policy"
    return reduced


# --- moto's IAM enforcement ---------------------------------------------------


def _reset_auth(sandbox, allowed_calls: str) -> None:
    # moto's own control endpoint: after ``allowed_calls`` more calls, every call is authorized against IAM.
    request = urllib.request.Request(
        sandbox.endpoint + "/moto-api/reset-auth",
        data=allowed_calls.encode(),
        method="POST",
        # Not form-encoded (urllib's default), which would leave moto an empty body.
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


@contextmanager
def iam_enforced(sandbox):
    """IAM policies enforced on every call (stand-ins included) inside the block; the call log starts empty."""
    sandbox.reset_calls()
    _reset_auth(sandbox, "0")
    try:
        yield
    finally:
        _reset_auth(sandbox, "inf")


# --- identities -----------------------------------------------------------------


def caller_credentials(sandbox) -> dict:
    """Access keys of the caller, made once per sandbox: an IAM user allowed only to assume the runner roles."""
    iam = aws_client(sandbox, "iam")
    try:
        iam.get_user(UserName=CALLER)
    except iam.exceptions.NoSuchEntityException:
        iam.create_user(UserName=CALLER)
        iam.put_user_policy(
            UserName=CALLER,
            PolicyName="assume-runner-roles",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "sts:AssumeRole",
                            "Resource": f"arn:aws:iam::*:role/{RUNNER_PREFIX}*",
                        }
                    ],
                }
            ),
        )
    for key in iam.list_access_keys(UserName=CALLER)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=CALLER, AccessKeyId=key["AccessKeyId"])
    key = iam.create_access_key(UserName=CALLER)["AccessKey"]
    return {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}


def caller_env(sandbox) -> dict:
    """The sandbox's environment with the caller's keys instead of its default (all-powerful) credentials."""
    if "least_privilege_caller" not in sandbox.made:
        sandbox.made["least_privilege_caller"] = caller_credentials(sandbox)
    return {**sandbox.env(), **sandbox.made["least_privilege_caller"]}


def runner_role(sandbox, account_id: str, name: str, policy: dict) -> str:
    """A role in ``account_id`` holding exactly ``policy`` (inline), assumable by the caller; its ARN."""
    iam = aws_client(sandbox, "iam", account_id)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:user/{CALLER}"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    try:
        arn = iam.get_role(RoleName=name)["Role"]["Arn"]
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(trust))
    except iam.exceptions.NoSuchEntityException:
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName=name, PolicyDocument=json.dumps(policy))
    return arn


def runner_inventory(org, directory, playbook: str, policy: dict, variant: str = "") -> str:
    """An inventory of ``org`` whose hosts assume, in their account, a runner role holding only ``policy``."""
    name = f"{RUNNER_PREFIX}{playbook}{variant}".replace("_", "-")

    def host(account_id: str) -> dict:
        return {"aws_account_id": account_id, "aws_assume_role_arn": runner_role(org.sandbox, account_id, name, policy)}

    os.makedirs(str(directory), exist_ok=True)
    return write_inventory(
        directory,
        management=host(org.management),
        partnercentral=host(org.partnercentral),
        members={f"org-member-{i}": host(member) for i, member in enumerate(org.members, 1)},
    )


# --- a policy's Allow statements, evaluated for the calls a run made ------------

_CONDITION_MATCHERS = {
    "ArnEquals": lambda value, pattern: value == pattern,
    "StringEquals": lambda value, pattern: value == pattern,
    "ArnLike": fnmatch.fnmatchcase,
    "StringLike": fnmatch.fnmatchcase,
}


def _listed(value) -> list:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _statements(policy: dict) -> list[dict]:
    return _listed(policy["Statement"]) if isinstance(policy["Statement"], list) else [policy["Statement"]]


def _conditions_hold(statement: dict, context: dict) -> bool:
    # IAM: every operator and key must hold; a key the request does not carry fails its condition.
    for operator, keys in statement.get("Condition", {}).items():
        matcher = _CONDITION_MATCHERS.get(operator)
        assert matcher is not None, f"the evaluator does not know condition operator {operator}"
        for key, patterns in keys.items():
            if key not in context or not any(matcher(context[key], p) for p in _listed(patterns)):
                return False
    return True


def allows(policy: dict, action: str, resource: str, context: dict | None = None) -> bool:
    """Whether an Allow statement of ``policy`` grants ``action`` on ``resource`` (with the request's condition
    keys ``context``). Actions match case-insensitively, resources exactly, both with IAM's wildcards."""
    for statement in _statements(policy):
        if statement["Effect"] != "Allow":
            continue
        if not any(fnmatch.fnmatch(action.lower(), a.lower()) for a in _listed(statement.get("Action"))):
            continue
        if not any(fnmatch.fnmatchcase(resource, r) for r in _listed(statement.get("Resource"))):
            continue
        if _conditions_hold(statement, context or {}):
            return True
    return False


def unauthorized(policy: dict, calls: list[dict]) -> list[str]:
    """Each (action, resource, condition keys) of ``calls`` that ``policy`` does not allow, once."""
    refused = []
    for call in calls:
        for action in call["actions"]:
            if action in NOT_IN_RUNNER_POLICY:
                continue
            if not allows(policy, action, call["resource"], call["context"]):
                line = f"{action} on {call['resource']} {call['context'] or ''}".strip()
                if line not in refused:
                    refused.append(line)
    return refused


def used_actions(calls: list[dict]) -> set[str]:
    return {action for call in calls for action in call["actions"]} - NOT_IN_RUNNER_POLICY


def runner_env(sandbox, account_id: str, name: str, policy: dict) -> dict:
    """An environment whose plain AWS_* credentials are a session of a runner role in ``account_id`` holding only
    ``policy``, assumed by the caller as the credentials role would: for a module run in the test's process
    (module_in_process.run_module) under iam_enforced."""
    role_arn = runner_role(sandbox, account_id, f"{RUNNER_PREFIX}{name}".replace("_", "-"), policy)
    env = caller_env(sandbox)
    sts = aws_client(
        sandbox,
        "sts",
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName="least-privilege")["Credentials"]
    return {
        **sandbox.env(),
        "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
        "AWS_SESSION_TOKEN": credentials["SessionToken"],
    }
