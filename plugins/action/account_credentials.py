# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Resolve one AWS account's credentials and prove they are that account's, in the controller's own process.

Every run over an organization does this once per account before anything
else. As modules (amazon.aws.sts_assume_role, then a check) it cost a Python
process that imports boto3 for every account, about a third of a baseline
run's time; here it is one call in a process that already has boto3 loaded.
The checks on the inventory's values come first, so a mistyped account ID or
a role in another account fails with no AWS call at all.
"""

import re

try:
    import botocore
except ImportError:
    pass  # require_aws_sdk() says what is missing

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible_collections.amazon.aws.plugins.plugin_utils.base import AWSPluginBase

from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import retrying
from ansible_collections.diatonic.partnercentral.plugins.plugin_utils.controller_module import environment
from ansible_collections.diatonic.partnercentral.plugins.plugin_utils.controller_module import task_environment

_ARGUMENT_SPEC = {
    "account_id": {"type": "str", "required": True},
    "role_arn": {"type": "str", "default": ""},
    "role_session_name": {"type": "str", "default": "diatonic-partnercentral"},
    "duration_seconds": {"type": "int", "default": 3600},
    "profile": {"type": "str", "default": ""},
    "region": {"type": "str", "default": "us-east-1"},
}

ACCOUNT_ID = re.compile(r"^[0-9]{12}$")
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::([0-9]{12}):role/\S+$")
# Roles' session names: 2 to 64 of these (sts:AssumeRole's RoleSessionName).
SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$")


def input_problems(args):
    """What is wrong with the values before any AWS call, each with how to fix it; [] when nothing is."""
    account_id, role_arn = args["account_id"], args["role_arn"]
    problems = []
    if not ACCOUNT_ID.match(account_id):
        problems.append(f"aws_account_id must be the account's 12-digit ID in quotes (got {account_id!r})")
    example_account = account_id if ACCOUNT_ID.match(account_id) else "111122223333"
    example = f"arn:aws:iam::{example_account}:role/OrganizationAccountAccessRole"
    if role_arn:
        match = ROLE_ARN.match(role_arn)
        if not match:
            problems.append(f"aws_assume_role_arn must be a role ARN such as {example} (got {role_arn!r})")
        elif ACCOUNT_ID.match(account_id) and match[1] != account_id:
            problems.append(
                f"aws_assume_role_arn {role_arn} is a role of account {match[1]}, not of aws_account_id {account_id}: "
                f"name a role in the host's own account, such as {example}"
            )
        if not SESSION_NAME.match(args["role_session_name"]):
            problems.append(
                f"the session name {args['role_session_name']!r} must be 2 to 64 letters, digits or +=,.@_- "
                "(credentials_session_name)"
            )
        if not 900 <= args["duration_seconds"] <= 43200:
            problems.append(
                f"the session duration {args['duration_seconds']} s must be from 900 to 43200 seconds "
                "(credentials_session_duration)"
            )
    return problems


def connection_options(region, profile, credentials=None):
    """The connection options every AWS module of the host gets (module_defaults), holding exactly one credential
    source: the assumed role's keys, or the profile, or (neither) the environment's default chain. '' stops
    amazon.aws from filling in the other source from AWS_PROFILE or AWS_ACCESS_KEY_ID."""
    if credentials:
        return {
            "region": region,
            "access_key": credentials["AccessKeyId"],
            "secret_key": credentials["SecretAccessKey"],
            "session_token": credentials["SessionToken"],
            "profile": "",
        }
    if profile:
        return {"region": region, "profile": profile, "access_key": "", "secret_key": "", "session_token": ""}
    return {"region": region}


class ActionModule(AWSPluginBase, ActionBase):
    TRANSFERS_FILES = False
    # Only reads AWS: the credentials are needed in check mode too.
    _supports_check_mode = True
    _requires_connection = False

    def _do_fail(self, message):
        raise AnsibleActionFail(message)

    def get_options(self):
        """The connection options of amazon.aws's plugin_utils (client()): the profile, else the environment."""
        return {"region": self._args["region"], "profile": self._args["profile"] or None}

    def _failed_call(self, what, exc):
        if isinstance(exc, botocore.exceptions.ClientError):
            error = exc.response.get("Error", {})
            detail = f"{error.get('Code', 'Error')}: {error.get('Message', exc)}"
        else:
            detail = str(exc)
        raise AnsibleActionFail(f"{self._host_name}: {what} failed: {detail}. Nothing was changed.")

    def _assumed(self, sts):
        args = self._args
        try:
            # sts:AssumeRole changes nothing and gives new keys each time: safe to make again after a lost answer.
            response = sts.assume_role(
                aws_retry=True,
                RoleArn=args["role_arn"],
                RoleSessionName=args["role_session_name"],
                DurationSeconds=args["duration_seconds"],
            )
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            self._failed_call(
                f"assuming {args['role_arn']} (sts:AssumeRole"
                + (f" with profile {args['profile']}" if args["profile"] else "")
                + "); check that the role exists and trusts the caller",
                exc,
            )
        return response["AssumedRoleUser"]["Arn"], response["Credentials"]

    def _caller_arn(self, sts):
        try:
            return sts.get_caller_identity(aws_retry=True)["Arn"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            self._failed_call("asking AWS whose credentials these are (sts:GetCallerIdentity)", exc)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _validation, self._args = self.validate_argument_spec(argument_spec=_ARGUMENT_SPEC)
        self._host_name = (task_vars or {}).get("inventory_hostname", "this host")
        problems = input_problems(self._args)
        if problems:
            raise AnsibleActionFail(f"{self._host_name}: " + "; ".join(problems) + ". Nothing was changed.")
        self.require_aws_sdk()

        args = self._args
        with environment(task_environment(self)):
            sts = retrying(self.client("sts"))
            if args["role_arn"]:
                arn, credentials = self._assumed(sts)
            else:
                arn, credentials = self._caller_arn(sts), None
        if arn.split(":")[4] != args["account_id"]:
            raise AnsibleActionFail(
                f"{self._host_name}: the credentials belong to {arn}, not to aws_account_id {args['account_id']}. "
                "Nothing was changed. Fix the host's aws_profile or aws_assume_role_arn, or the credentials in the "
                "environment."
            )
        result.update(
            changed=False,
            account_id=args["account_id"],
            arn=arn,
            connection=connection_options(args["region"], args["profile"], credentials),
            # The keys are in the result: whatever the task's no_log says, no callback shows it.
            _ansible_no_log=True,
        )
        return result
