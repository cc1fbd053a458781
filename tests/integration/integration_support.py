"""Helpers for the integration tests: inventories, ansible-playbook runs, and what is in the sandbox's accounts.

The expected Partner Central rules are written out here on purpose, not imported from the collection: the
tests state what a user expects, and the collection has to match it.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import re
import resource
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from dataclasses import field
from typing import NamedTuple
from urllib.parse import unquote

import boto3
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.dirname(sys.executable)
PERSONAS_PLAYBOOK = os.path.join(ROOT, "playbooks", "personas.yml")

# The sandbox's default credentials (AWS_ACCESS_KEY_ID=testing) belong to this account.
DEFAULT_ACCOUNT_ID = "123456789012"
ROLE_PREFIX = "PartnerCentralRoleFor"
SERVICE_PRINCIPAL = "partnercentral-account-management.amazonaws.com"

# The seven personas of the migration checklist (phase 4) and the AWS managed policies each must have.
PERSONA_POLICIES = {
    "PartnerCentralRoleForAllianceLead": {"AWSPartnerCentralFullAccess", "AWSMarketplaceSellerFullAccess"},
    "PartnerCentralRoleForACEManager": {"AWSPartnerCentralOpportunityManagement"},
    "PartnerCentralRoleForMarketing": {"AWSPartnerCentralMarketingManagement"},
    "PartnerCentralRoleForChannelManager": {"AWSPartnerCentralChannelManagement"},
    "PartnerCentralRoleForChannelApprover": {"AWSPartnerCentralChannelHandshakeApprovalManagement"},
    "PartnerCentralRoleForTechnical": {"AWSMarketplaceSellerProductsFullAccess"},
    "PartnerCentralRoleForReadOnly": {"ReadOnlyAccess"},
}

# Account IDs no other test uses, so that tests sharing a sandbox cannot see each other's roles.
_account_ids = itertools.count(300_000_000_001)


def new_account_id() -> str:
    return str(next(_account_ids))


def aws_policy_arn(name: str) -> str:
    return f"arn:aws:iam::aws:policy/{name}"


def persona_policy_arns(role_name: str) -> set[str]:
    return {aws_policy_arn(name) for name in PERSONA_POLICIES[role_name]}


# --- AWS, as a user would look at it ------------------------------------------


def aws_client(sandbox, service: str, account_id: str = DEFAULT_ACCOUNT_ID, **options):
    """A boto3 client acting in ``account_id``: default credentials, or its OrganizationAccountAccessRole.

    ``options`` go to ``Session.client`` (a botocore ``config=``, or credentials of its own, say).
    """
    credentials = _default_credentials()
    if account_id != DEFAULT_ACCOUNT_ID:
        credentials = account_credentials(sandbox, account_id)
    return _session().client(service, endpoint_url=sandbox.endpoint, **{**credentials, **options})


@functools.cache
def _session():
    """One boto3 session for the test process: its clients share the service models it has read (a new session
    reads them again: ~0.13 CPU-s a client instead of ~0.02). Each client gets its credentials of its own."""
    return boto3.session.Session(region_name="us-east-1")


def _default_credentials() -> dict:
    return {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def account_credentials(sandbox, account_id: str) -> dict:
    sts = _session().client("sts", endpoint_url=sandbox.endpoint, **_default_credentials())
    credentials = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole", RoleSessionName="integration-tests"
    )["Credentials"]
    return {
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
    }


def account_env(sandbox, account_id: str) -> dict:
    """A subprocess environment whose plain AWS_* credentials act in ``account_id``."""
    credentials = account_credentials(sandbox, account_id)
    return {
        **sandbox.env(),
        "AWS_ACCESS_KEY_ID": credentials["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": credentials["aws_secret_access_key"],
        "AWS_SESSION_TOKEN": credentials["aws_session_token"],
    }


def set_state(sandbox, account_id: str, **state) -> None:
    """What no AWS API can set (root MFA, the account plan), through the sandbox's control endpoint."""
    sandbox.control("/_sandbox/state", {"account_id": account_id, **state})


class RawAnswer(NamedTuple):
    status: int
    headers: dict
    body: dict


def raw_json_request(sandbox, service: str, json_version: str, target: str, body: bytes = b"{}") -> RawAnswer:
    """A JSON-protocol request as it travels (X-Amz-Target), for what boto3 would refuse to send."""
    request = urllib.request.Request(
        sandbox.endpoint + "/",
        data=body,
        method="POST",
        headers={
            "Content-Type": f"application/x-amz-json-{json_version}",
            "X-Amz-Target": target,
            "Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/{service}/aws4_request, "
            "SignedHeaders=host, Signature=0",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return RawAnswer(response.status, dict(response.headers), json.loads(response.read()))
    except urllib.error.HTTPError as error:
        return RawAnswer(error.code, dict(error.headers), json.loads(error.read()))


def policy_document(document) -> dict:
    # IAM sends policy documents URL-encoded; botocore usually decodes them already.
    if isinstance(document, str):
        return json.loads(unquote(document))
    return document


def trust_statements(document) -> list[dict]:
    """The trust policy's statements in one canonical form (lists sorted, Sid dropped) for exact comparison."""
    statements = policy_document(document)["Statement"]
    if isinstance(statements, dict):
        statements = [statements]
    canonical = []
    for statement in statements:
        item = {}
        for key, value in statement.items():
            if key == "Sid":
                continue
            if isinstance(value, dict):
                value = {k: sorted(v) if isinstance(v, list) else [v] for k, v in value.items()}
            elif isinstance(value, list):
                value = sorted(value)
            elif key in ("Action", "NotAction"):
                value = [value]
            item[key] = value
        canonical.append(item)
    return sorted(canonical, key=lambda s: json.dumps(s, sort_keys=True))


# The only trust Partner Central accepts, in trust_statements' form.
SERVICE_TRUST = [{"Effect": "Allow", "Principal": {"Service": [SERVICE_PRINCIPAL]}, "Action": ["sts:AssumeRole"]}]


@dataclass
class RoleState:
    name: str
    path: str
    description: str
    max_session_duration: int
    trust: list[dict]
    policies: set[str]
    inline_policies: list[str]
    tags: dict


def role_state(iam, name: str) -> RoleState | None:
    try:
        role = iam.get_role(RoleName=name)["Role"]
    except iam.exceptions.NoSuchEntityException:
        return None
    attached = iam.get_paginator("list_attached_role_policies").paginate(RoleName=name).build_full_result()
    return RoleState(
        name=role["RoleName"],
        path=role["Path"],
        description=role.get("Description", ""),
        max_session_duration=role.get("MaxSessionDuration", 3600),
        trust=trust_statements(role["AssumeRolePolicyDocument"]),
        policies={p["PolicyArn"] for p in attached["AttachedPolicies"]},
        inline_policies=iam.list_role_policies(RoleName=name)["PolicyNames"],
        tags={t["Key"]: t["Value"] for t in role.get("Tags", [])},
    )


def partner_central_roles(iam) -> dict[str, RoleState]:
    """Every role of the account whose name has the Partner Central prefix, by name."""
    roles = iam.get_paginator("list_roles").paginate().build_full_result()["Roles"]
    names = [role["RoleName"] for role in roles if role["RoleName"].startswith(ROLE_PREFIX)]
    return {name: role_state(iam, name) for name in names}


def assert_persona_roles(iam) -> None:
    """The account has exactly the seven persona roles, each with the service trust and its policies only."""
    roles = partner_central_roles(iam)
    assert sorted(roles) == sorted(PERSONA_POLICIES)
    for name, role in roles.items():
        assert role.trust == SERVICE_TRUST, name
        assert role.policies == persona_policy_arns(name), name


def create_role_by_hand(iam, name: str, policies=(), tags=None, trust=None) -> None:
    """A role made outside the collection, as someone clicking in the console would."""
    trust = trust or {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": SERVICE_PRINCIPAL}, "Action": "sts:AssumeRole"}],
    }
    extra = {"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]} if tags else {}
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust), **extra)
    for arn in policies:
        iam.attach_role_policy(RoleName=name, PolicyArn=arn)


def write_calls(calls: list[dict]) -> list[dict]:
    return [call for call in calls if call["write"]]


def iam_calls_in(calls: list[dict], account_id: str) -> list[dict]:
    return [call for call in calls if call["service"] == "iam" and call["account_id"] == account_id]


def report_definition(sandbox, name: str) -> dict | None:
    """The default account's Cost and Usage Report definition ``name``, as DescribeReportDefinitions gives it."""
    cur = aws_client(sandbox, "cur")
    pages = cur.get_paginator("describe_report_definitions").paginate()
    found = [d for page in pages for d in page["ReportDefinitions"] if d["ReportName"] == name]
    return found[0] if found else None


# --- inventories (DESIGN.md contract 2) ---------------------------------------


@dataclass
class Org:
    """An organization seeded in the sandbox from an inventory written for one test."""

    sandbox: object
    directory: str
    inventory: str
    management: str
    partnercentral: str
    members: list[str] = field(default_factory=list)

    @property
    def accounts(self) -> list[str]:
        return [self.management, self.partnercentral, *self.members]

    def iam(self, account_id: str):
        return aws_client(self.sandbox, "iam", account_id)

    def playbook(self, *args: str, playbook: str = PERSONAS_PLAYBOOK, extra_vars=None, env=None) -> PlaybookRun:
        return run_playbook(
            self.sandbox, playbook, *args, inventory=self.inventory, extra_vars=extra_vars, env=env, tmp=self.directory
        )


def write_inventory(
    directory, management: dict, partnercentral: dict, members: list[dict] | dict[str, dict] = ()
) -> str:
    """hosts.yml with one host per account; each dict holds the host's variables (aws_account_id, ...).

    ``members`` is a list (hosts org-member-1, org-member-2, ...) or the member hosts' names to their variables.
    """
    if not isinstance(members, dict):
        members = {f"org-member-{i}": host for i, host in enumerate(members, 1)}
    return write_groups(
        directory,
        {
            "management": {"org-management": management},
            "partnercentral": {"org-partnercentral": partnercentral},
            "members": members,
        },
    )


def write_groups(directory, groups: dict[str, dict[str, dict]], name: str = "hosts.yml") -> str:
    """An inventory file ``name`` of these groups (group -> host -> the host's variables), in us-east-1: for the
    shapes write_inventory does not make (several Partner Central hosts, a member in ``management``)."""
    inventory = {
        "all": {
            "vars": {"aws_region": "us-east-1"},
            "children": {group: {"hosts": hosts} for group, hosts in groups.items()},
        }
    }
    path = os.path.join(str(directory), name)
    with open(path, "w") as handle:
        yaml.safe_dump(inventory, handle, sort_keys=False)
    return path


def assume_role_arn(account_id: str) -> str:
    return f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole"


def make_org(
    sandbox,
    directory,
    members: int | list[str] = 2,
    management: str = DEFAULT_ACCOUNT_ID,
    partnercentral: str | None = None,
    partnercentral_vars: dict | None = None,
) -> Org:
    """A fresh organization: new account IDs for the Partner Central account and the members (a count, or IDs).

    The Partner Central host is reached by assuming its OrganizationAccountAccessRole unless
    ``partnercentral_vars`` says otherwise.
    """
    partnercentral = partnercentral or new_account_id()
    member_ids = [new_account_id() for _member in range(members)] if isinstance(members, int) else list(members)
    pc_vars = {"aws_account_id": partnercentral, "aws_assume_role_arn": assume_role_arn(partnercentral)}
    if partnercentral_vars is not None:
        pc_vars = {"aws_account_id": partnercentral, **partnercentral_vars}
    inventory = write_inventory(
        directory,
        management={"aws_account_id": management},
        partnercentral=pc_vars,
        members=[{"aws_account_id": m, "aws_assume_role_arn": assume_role_arn(m)} for m in member_ids],
    )
    sandbox.seed(inventory)
    return Org(sandbox, str(directory), inventory, management, partnercentral, member_ids)


# --- ansible-playbook ---------------------------------------------------------

_RECAP = re.compile(r"^(?P<host>\S+)\s+:\s+(?P<stats>(?:\w+=\d+\s*)+)$", re.MULTILINE)
_RESULT = re.compile(
    r"^(?P<status>ok|changed|fatal|failed|skipping): \[(?P<host>[^\]]+)\](?:: FAILED!)? => (?P<json>\{.*\})$"
)
_TASK = re.compile(r"^TASK \[(?P<name>.*)\] \**$")
_WARNING = re.compile(r"^\[WARNING\]: (?P<text>.*(?:\n(?!\[|TASK |PLAY |\w+: \[|\s*$).*)*)", re.MULTILINE)


@dataclass
class PlaybookRun:
    command: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def output(self) -> str:
        return self.stdout + "\n" + self.stderr

    def recap(self) -> dict[str, dict[str, int]]:
        section = self.stdout.rsplit("PLAY RECAP", 1)
        if len(section) < 2:
            return {}
        return {
            m["host"]: {k: int(v) for k, v in (pair.split("=") for pair in m["stats"].split())}
            for m in _RECAP.finditer(section[1])
        }

    @property
    def changed(self) -> int:
        recap = self.recap()
        assert recap, "no PLAY RECAP in the output" + self.log
        return sum(stats["changed"] for stats in recap.values())

    def results(self, task: str | None = None) -> list[dict]:
        """Task results printed by the default callback with -v; only those of tasks whose name contains ``task``."""
        results = []
        current_task = ""
        for line in self.stdout.splitlines():
            header = _TASK.match(line)
            if header:
                current_task = header["name"]
                continue
            result = _RESULT.match(line)
            if result and (task is None or task in current_task):
                results.append({"task": current_task, "status": result["status"], **json.loads(result["json"])})
        return results

    def failure_messages(self) -> list[str]:
        return [result.get("msg", "") for result in self.results() if result["status"] in ("fatal", "failed")]

    def warnings(self) -> list[str]:
        return [" ".join(m["text"].split()) for m in _WARNING.finditer(self.output)]

    @property
    def log(self) -> str:
        """The whole run, as an assertion message (pytest would shorten a non-string one)."""
        return f"\n$ {' '.join(self.command)}\n(exit {self.returncode})\n{self.stdout}\n--- stderr ---\n{self.stderr}"

    def __str__(self) -> str:
        return self.log


def ansible_env(base: dict, settings: dict | None = None) -> dict:
    """``base`` without the caller's own ANSIBLE_* settings, plus plain output and ``settings``."""
    env = {k: v for k, v in base.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0", ANSIBLE_DEPRECATION_WARNINGS="0")
    env.update(settings or {})
    return env


def run_playbook(
    sandbox,
    playbook,
    *args,
    inventory=None,
    extra_vars=None,
    env=None,
    tmp=None,
    cwd=ROOT,
    ansible_settings=None,
    verbose=True,
):
    """ansible-playbook as a user runs it (by default from the repository root), against the sandbox.

    ``verbose`` adds -v, so that ``PlaybookRun.results`` sees every task's result. ``env`` (by default the
    sandbox's) loses its ANSIBLE_* variables; ``ansible_settings`` are added to it.
    """
    command = [os.path.join(BIN, "ansible-playbook"), playbook, *(["-v"] if verbose else []), *args]
    if inventory:
        command += ["-i", inventory]
    if extra_vars is not None:
        path = os.path.join(str(tmp), f"extra_vars_{next(_extra_vars_files)}.json")
        with open(path, "w") as handle:
            json.dump(extra_vars, handle)
        command += ["-e", "@" + path]
    started = _cost()
    process = subprocess.run(
        command,
        check=False,  # callers assert on the run's outcome
        cwd=cwd,
        env=ansible_env(env if env is not None else sandbox.env(), ansible_settings),
        capture_output=True,
        text=True,
        timeout=300,
    )
    _log_cost(started, command, process.stdout)
    return PlaybookRun(command, process.returncode, process.stdout, process.stderr)


_extra_vars_files = itertools.count(1)


class _Cost(NamedTuple):
    wall: float  # time.monotonic()
    cpu: float  # user + system CPU seconds of this process's finished children (an ansible-playbook run's, all of it)


def _cost() -> _Cost:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return _Cost(time.monotonic(), usage.ru_utime + usage.ru_stime)


def _log_cost(started: _Cost, command: list[str], stdout: str) -> None:
    """With PC_RUNLOG set, one JSON line per ansible-playbook run: the test, the playbook, its wall and CPU time."""
    if not os.environ.get("PC_RUNLOG"):
        return
    ended = _cost()
    line = {
        "test": os.environ.get("PYTEST_CURRENT_TEST", ""),
        "playbook": os.path.basename(command[1]),
        "args": [arg for arg in command[2:] if arg.startswith("--")],
        "wall": round(ended.wall - started.wall, 2),
        "cpu": round(ended.cpu - started.cpu, 2),
        "tasks": stdout.count("TASK ["),
    }
    with open(os.environ["PC_RUNLOG"], "a") as handle:
        handle.write(json.dumps(line) + "\n")


def diff_added_roles(output: str) -> set[str]:
    """Roles that a --diff shows as added (``+    "PartnerCentralRoleForX": {``)."""
    return set(re.findall(rf'^\+\s+"({ROLE_PREFIX}\w+)": \{{', output, re.MULTILINE))


def hourly_report_definition(name: str, bucket: str, **overrides) -> dict:
    """A CUR report definition as DoiT asks for it (hourly, resource IDs, CSV in GZIP), for the cur API itself."""
    return {
        "ReportName": name,
        "TimeUnit": "HOURLY",
        "Format": "textORcsv",
        "Compression": "GZIP",
        "AdditionalSchemaElements": ["RESOURCES"],
        "S3Bucket": bucket,
        "S3Prefix": "cur",
        "S3Region": "us-east-1",
        "RefreshClosedReports": True,
        "ReportVersioning": "CREATE_NEW_REPORT",
        **overrides,
    }
