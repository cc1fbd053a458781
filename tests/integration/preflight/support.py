"""Sandbox organizations for the preflight tests, the baseline put in place by hand, and ansible runs.

What a correct setup is (a member account on the Paid plan, root MFA, a logging multi-region trail, a recording
AWS Config recorder, a strict password policy) is written out here as a user would set it up, not taken from the
collection.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass

import boto3
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.dirname(sys.executable)
PREFLIGHT = os.path.join(ROOT, "playbooks", "preflight.yml")
BASELINE = os.path.join(ROOT, "playbooks", "baseline.yml")
MODULE_PLAYBOOK = os.path.join(HERE, "module.yml")

# The sandbox's default credentials (AWS_ACCESS_KEY_ID=testing) belong to this account: the management account.
MANAGEMENT = "123456789012"
REGION = "us-east-1"

# Account IDs of these tests only, so that tests sharing a sandbox never share an account.
_account_ids = itertools.count(400_000_000_001)


def new_account_id() -> str:
    return str(next(_account_ids))


def role_arn(account_id: str) -> str:
    return f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole"


# --- AWS, as a user sets it up -------------------------------------------------


def session(sandbox, account_id: str = MANAGEMENT):
    base = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    if account_id == MANAGEMENT:
        return base
    credentials = base.client("sts", endpoint_url=sandbox.endpoint).assume_role(
        RoleArn=role_arn(account_id), RoleSessionName="preflight-tests"
    )["Credentials"]
    return boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=REGION,
    )


def client(sandbox, service: str, account_id: str = MANAGEMENT, **options):
    return session(sandbox, account_id).client(service, endpoint_url=sandbox.endpoint, **options)


TRAIL = "account-trail"
RECORDER = "default"


def put_baseline_in_place(sandbox, account_id: str) -> None:
    """Phase 2 done right: root MFA, a logging multi-region trail, AWS Config recording, a strict password policy."""
    bucket = f"audit-logs-{account_id}"
    client(sandbox, "s3", account_id).create_bucket(Bucket=bucket)
    cloudtrail = client(sandbox, "cloudtrail", account_id)
    cloudtrail.create_trail(Name=TRAIL, S3BucketName=bucket, IsMultiRegionTrail=True)
    cloudtrail.start_logging(Name=TRAIL)
    config = client(sandbox, "config", account_id)
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": RECORDER,
            "roleARN": f"arn:aws:iam::{account_id}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
        }
    )
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": bucket})
    config.start_configuration_recorder(ConfigurationRecorderName=RECORDER)
    client(sandbox, "iam", account_id).update_account_password_policy(
        MinimumPasswordLength=16,
        RequireSymbols=True,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
        PasswordReusePrevention=24,
    )
    set_state(sandbox, account_id, root_mfa=True)


def set_state(sandbox, account_id: str, **state) -> None:
    """What no AWS API can set (root MFA, the account plan), through the sandbox's control endpoint."""
    sandbox.control("/_sandbox/state", {"account_id": account_id, **state})


# --- inventories (DESIGN.md contract 2) ---------------------------------------


@dataclass
class Org:
    """An inventory for one test: the sandbox's management account, a Partner Central account, one member."""

    sandbox: object
    directory: str
    inventory: str
    partnercentral: str
    member: str

    def preflight(self, *args: str, extra_vars: dict | None = None) -> PreflightRun:
        report = os.path.join(self.directory, f"preflight-{next(_runs)}.json")
        run = run_playbook(
            self.sandbox,
            PREFLIGHT,
            *args,
            inventory=self.inventory,
            directory=self.directory,
            extra_vars={"preflight_report_path": report, **(extra_vars or {})},
        )
        return PreflightRun(run, report)


_runs = itertools.count(1)


def write_inventory(directory, partnercentral_vars: dict, member: str) -> str:
    inventory = {
        "all": {
            "vars": {"aws_region": REGION},
            "children": {
                "management": {"hosts": {"org-management": {"aws_account_id": MANAGEMENT}}},
                "partnercentral": {"hosts": {"org-partnercentral": partnercentral_vars}},
                "members": {
                    "hosts": {"org-member": {"aws_account_id": member, "aws_assume_role_arn": role_arn(member)}}
                },
            },
        }
    }
    path = os.path.join(str(directory), "hosts.yml")
    with open(path, "w") as handle:
        yaml.safe_dump(inventory, handle, sort_keys=False)
    return path


def make_org(sandbox, directory, partnercentral_vars=None, baseline: bool = True) -> Org:
    """A new Partner Central account and member in the sandbox's organization, the baseline in place unless told.

    ``partnercentral_vars(partnercentral, member)`` gives the Partner Central host's variables when the test needs
    other ones than its account ID and OrganizationAccountAccessRole.
    """
    partnercentral, member = new_account_id(), new_account_id()
    sandbox.seed(
        write_inventory(
            directory, {"aws_account_id": partnercentral, "aws_assume_role_arn": role_arn(partnercentral)}, member
        )
    )
    if baseline:
        put_baseline_in_place(sandbox, partnercentral)
    if partnercentral_vars is None:
        inventory = os.path.join(str(directory), "hosts.yml")
    else:
        inventory = write_inventory(directory, partnercentral_vars(partnercentral, member), member)
    return Org(sandbox, str(directory), inventory, partnercentral, member)


# --- ansible-playbook ---------------------------------------------------------

_RECAP = re.compile(r"^(?P<host>\S+)\s+:\s+(?P<stats>(?:\w+=\d+\s*)+)$", re.MULTILINE)


@dataclass
class PlaybookRun:
    command: list
    returncode: int
    stdout: str
    stderr: str

    def recap(self) -> dict:
        section = self.stdout.rsplit("PLAY RECAP", 1)
        assert len(section) == 2, f"no PLAY RECAP\n{self}"
        return {
            m["host"]: {k: int(v) for k, v in (pair.split("=") for pair in m["stats"].split())}
            for m in _RECAP.finditer(section[1])
        }

    @property
    def changed(self) -> int:
        return sum(stats["changed"] for stats in self.recap().values())

    @property
    def output(self) -> str:
        return self.stdout + "\n" + self.stderr

    def __str__(self) -> str:
        return f"$ {' '.join(self.command)}\n(exit {self.returncode})\n{self.stdout}\n--- stderr ---\n{self.stderr}"


@dataclass
class PreflightRun:
    run: PlaybookRun
    report_path: str

    @property
    def report(self) -> dict:
        assert os.path.exists(self.report_path), f"no report written\n{self.run}"
        with open(self.report_path) as handle:
            return json.load(handle)

    def account(self, host: str) -> dict:
        return self.report["accounts"][host]

    def verdicts(self) -> dict:
        """Per host: ready, and each check's name, status and message; what check mode must reproduce."""
        return {
            host: (result["ready"], [(c["name"], c["status"], c["message"]) for c in result["checks"]])
            for host, result in self.report["accounts"].items()
        }

    def __str__(self) -> str:
        return str(self.run)


def ansible_env(sandbox, extra: dict | None = None) -> dict:
    env = {k: v for k, v in sandbox.env().items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0", ANSIBLE_DEPRECATION_WARNINGS="0")
    env.update(extra or {})
    return env


def run_playbook(sandbox, playbook, *args, inventory=None, directory=None, extra_vars=None, env=None) -> PlaybookRun:
    """ansible-playbook as a user runs it, from the repository root, against the sandbox."""
    command = [os.path.join(BIN, "ansible-playbook"), playbook, *args]
    if inventory:
        command += ["-i", inventory]
    if extra_vars:
        path = os.path.join(str(directory), f"extra-vars-{next(_runs)}.json")
        with open(path, "w") as handle:
            json.dump(extra_vars, handle)
        command += ["-e", "@" + path]
    process = subprocess.run(
        command, cwd=ROOT, env=env or ansible_env(sandbox), capture_output=True, text=True, timeout=300, check=False
    )
    return PlaybookRun(command, process.returncode, process.stdout, process.stderr)


def run_module(sandbox, directory, module: str, options: dict, env_extra: dict | None = None) -> dict:
    """One module call through tests/integration/preflight/module.yml; its result as the json callback gives it."""
    env = ansible_env(sandbox, {"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json", **(env_extra or {})})
    run = run_playbook(
        sandbox, MODULE_PLAYBOOK, directory=directory, extra_vars={"module": module, "options": options}, env=env
    )
    output = json.loads(run.stdout)
    results = [
        task["hosts"]["localhost"]
        for play in output["plays"]
        for task in play["tasks"]
        if "localhost" in task["hosts"] and not task["hosts"]["localhost"].get("skipped")
    ]
    assert len(results) == 1, run
    return results[0]


def writes(calls: list[dict]) -> list[dict]:
    return [call for call in calls if call["write"]]
