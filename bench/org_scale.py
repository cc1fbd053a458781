"""Benchmark: the security baseline over a whole organization, from the aws_organization inventory, as it grows.

    .venv/bin/python bench/org_scale.py [--sizes 1,10,50] [--cli-sizes 1,10] [--output PATH]

One local sandbox holds an organization that grows to each size in --sizes (the management account and
members spread over nested organizational units). At each size, playbooks/baseline.yml runs over every
account of the diatonic.partnercentral.aws_organization inventory, and, at the sizes in --cli-sizes, the same
checks the way the runbook does them: bench/baseline_cli.sh, a shell loop of AWS CLI calls per account. For
every run: the wall time of the whole process, the AWS calls per account (the sandbox's call log, the
Organizations calls of the inventory apart), the module executions per account (bench/callback_plugins/
module_count.py) and the Organizations calls. Issue 10's targets are printed as PASS or MISS: calls and module
executions per account the same from the smallest size of 10 or more to the largest, Organizations calls growing
only with organizational units and pages (never per account), and at 50 accounts the collection at least 3 times
faster than the CLI loop. A run that fails voids the figures (exit code 2).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC
from datetime import datetime

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "sandbox"))

from runner import Sandbox  # noqa: E402

BIN = os.path.dirname(sys.executable)
RESULTS = os.path.join(ROOT, "bench", "results")
BASELINE = os.path.join(ROOT, "playbooks", "baseline.yml")
CLI_LOOP = os.path.join(ROOT, "bench", "baseline_cli.sh")
CALLBACKS = os.path.join(ROOT, "bench", "callback_plugins")
MANAGEMENT = "123456789012"
UNITS = ("Root/Workloads/Prod", "Root/Workloads/Dev", "Root/Security")
TARGET_SPEEDUP_AT_50 = 3.0


class VoidRun(Exception):
    """A run failed: its figures would mean nothing."""


class Organization:
    """The sandbox organization, grown account by account (members spread over UNITS)."""

    def __init__(self, sandbox: Sandbox):
        import boto3

        self.sandbox = sandbox
        sandbox.control("/_sandbox/state", {"account_id": MANAGEMENT, "org_role": "management", "name": "Management"})
        self.client = boto3.client(
            "organizations",
            endpoint_url=sandbox.endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        self.units = {"Root": self.client.list_roots()["Roots"][0]["Id"]}
        for path in ("Root/Workloads", *UNITS):
            parent, name = path.rsplit("/", 1)
            self.units[path] = self.client.create_organizational_unit(ParentId=self.units[parent], Name=name)[
                "OrganizationalUnit"
            ]["Id"]
        self.accounts = [MANAGEMENT]

    def grow_to(self, size: int) -> None:
        while len(self.accounts) < size:
            number = len(self.accounts)
            account_id = str(400_000_000_000 + number)
            self.sandbox.control(
                "/_sandbox/state", {"account_id": account_id, "org_role": "member", "name": f"Member {number:03d}"}
            )
            self.client.move_account(
                AccountId=account_id,
                SourceParentId=self.units["Root"],
                DestinationParentId=self.units[UNITS[number % len(UNITS)]],
            )
            self.accounts.append(account_id)


def env_for(sandbox: Sandbox, directory: str) -> dict:
    env = {k: v for k, v in sandbox.env().items() if not k.startswith("ANSIBLE_")}
    env.update(
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_CALLBACK_PLUGINS=CALLBACKS,
        ANSIBLE_CALLBACKS_ENABLED="module_count",
        MODULE_COUNT_PATH=os.path.join(directory, "modules.json"),
    )
    return env


def per_account(calls: list[dict], accounts: int, organizations: bool = False) -> dict:
    kept = [c for c in calls if (c["service"] == "organizations") == organizations]
    by_operation = Counter(f"{c['service']}:{c['operation']}" for c in kept)
    return {"total": len(kept), "per_account": round(len(kept) / accounts, 2), "by_operation": dict(by_operation)}


def collection_run(sandbox: Sandbox, organization: Organization, directory: str) -> dict:
    size = len(organization.accounts)
    config = os.path.join(directory, "org.aws_organization.yml")
    with open(config, "w") as handle:
        yaml.safe_dump({"plugin": "diatonic.partnercentral.aws_organization"}, handle)
    report = os.path.join(directory, "baseline.json")
    command = [
        os.path.join(BIN, "ansible-playbook"),
        "-i",
        config,
        BASELINE,
        "--forks",
        "10",
        "-e",
        json.dumps({"baseline_enforce": False, "baseline_report_path": report}),
    ]
    sandbox.reset_calls()
    started = time.perf_counter()
    process = subprocess.run(
        command, cwd=ROOT, env=env_for(sandbox, directory), capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    calls = sandbox.calls()
    if process.returncode:
        raise VoidRun(f"baseline.yml over {size} accounts failed:\n{process.stdout}\n{process.stderr}")
    with open(os.path.join(directory, "modules.json")) as handle:
        modules = json.load(handle)
    with open(report) as handle:
        checked = {record["account"] for record in json.load(handle)["records"]}
    if len(checked) != size:
        raise VoidRun(f"baseline.yml checked {len(checked)} of {size} accounts")
    executions = sum(sum(counts.values()) for counts in modules.values())
    return {
        "seconds": round(seconds, 2),
        "aws_calls": per_account(calls, size),
        "organizations_calls": per_account(calls, size, organizations=True),
        # The report's write (run once) is shared by all accounts.
        "module_executions": {"total": executions, "per_account": round(executions / size, 2)},
    }


def cli_run(sandbox: Sandbox, organization: Organization) -> dict:
    size = len(organization.accounts)
    aws = shutil.which("aws")
    if aws is None:
        return {"skipped": "the AWS CLI (aws) is not on PATH"}
    sandbox.reset_calls()
    started = time.perf_counter()
    process = subprocess.run(
        ["bash", CLI_LOOP, MANAGEMENT, *organization.accounts],
        cwd=ROOT,
        env=sandbox.env(),
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    calls = sandbox.calls()
    if process.returncode or process.stdout.count("== ") != size:
        raise VoidRun(f"the AWS CLI loop over {size} accounts failed:\n{process.stdout}\n{process.stderr}")
    return {"seconds": round(seconds, 2), "aws_calls": per_account(calls, size), "cli": aws}


def versions() -> dict:
    from ansible.release import __version__ as ansible_core

    return {
        "python": platform.python_version(),
        "ansible_core": ansible_core,
        "cpus": os.cpu_count(),
        "load_average": [round(n, 2) for n in os.getloadavg()],
    }


def targets(results: dict) -> list[dict]:
    found = []
    sizes = sorted(int(size) for size in results["sizes"])
    scaled = [size for size in sizes if size >= 10]
    if len(scaled) >= 2:
        first, last = (results["sizes"][str(size)]["collection"] for size in (scaled[0], scaled[-1]))
        for key, label in (("aws_calls", "AWS calls"), ("module_executions", "module executions")):
            found.append(
                {
                    "target": f"{label} per account the same at {scaled[0]} and {scaled[-1]} accounts",
                    "value": f"{first[key]['per_account']} and {last[key]['per_account']}",
                    # The run-once report write is spread over more accounts as they grow: allow that fraction.
                    "met": last[key]["per_account"] <= first[key]["per_account"],
                }
            )
    # Per organizational unit one ListOrganizationalUnitsForParent and a ListAccountsForParent per page of 20
    # accounts (AWS's largest page): never a call per account.
    units = 2 + len(UNITS)
    for size in sizes:
        calls = results["sizes"][str(size)]["collection"]["organizations_calls"]["total"]
        bound = 2 + 2 * units + -(-size // 20)
        found.append(
            {
                "target": f"Organizations calls at {size} accounts <= 2 + 2 x {units} units + pages of 20 = {bound}",
                "value": str(calls),
                "met": calls <= bound,
            }
        )
    at_50 = results["sizes"].get("50", {})
    if "cli" in at_50 and "seconds" in at_50["cli"]:
        speedup = at_50["cli"]["seconds"] / at_50["collection"]["seconds"]
        found.append(
            {
                "target": f"at 50 accounts at least {TARGET_SPEEDUP_AT_50:g} times faster than the AWS CLI loop",
                "value": f"{speedup:.2f} ({at_50['collection']['seconds']} s vs {at_50['cli']['seconds']} s)",
                "met": speedup >= TARGET_SPEEDUP_AT_50,
            }
        )
    return found


def print_table(results: dict) -> None:
    print(f"\nbaseline.yml over the organization ({results['environment']['cpus']} CPUs):\n")
    header = ("accounts", "wall s", "AWS calls/acct", "modules/acct", "Organizations", "CLI loop s", "CLI calls/acct")
    print("  " + "".join(f"{h:>16}" for h in header))
    for size, figures in sorted(results["sizes"].items(), key=lambda item: int(item[0])):
        collection, cli = figures["collection"], figures.get("cli", {})
        row = (
            size,
            collection["seconds"],
            collection["aws_calls"]["per_account"],
            collection["module_executions"]["per_account"],
            collection["organizations_calls"]["total"],
            cli.get("seconds", "-"),
            cli.get("aws_calls", {}).get("per_account", "-"),
        )
        print("  " + "".join(f"{value!s:>16}" for value in row))
    print("\nIssue 10 targets:")
    for target in results["targets"]:
        print(f"  {'PASS' if target['met'] else 'MISS'}  {target['target']}: {target['value']}")


def sizes_of(text: str) -> list[int]:
    return sorted({int(part) for part in text.split(",") if part.strip()})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,50", help="organization sizes, in accounts (default 1,10,50)")
    parser.add_argument("--cli-sizes", default="1,10,50", help="sizes at which the AWS CLI loop runs too")
    parser.add_argument("--output", default=os.path.join(RESULTS, "org_scale.json"), help="where to write the JSON")
    args = parser.parse_args(argv)
    sizes, cli_sizes = sizes_of(args.sizes), set(sizes_of(args.cli_sizes))
    if not sizes or sizes[0] < 1:
        parser.error("--sizes takes sizes of 1 or more")

    work = os.path.join(RESULTS, "org_scale")
    os.makedirs(work, exist_ok=True)
    results = {
        "command": " ".join([os.path.relpath(sys.executable, ROOT), os.path.relpath(__file__, ROOT), *sys.argv[1:]]),
        "sizes": {},
    }
    try:
        with Sandbox(log_path=os.path.join(RESULTS, "org_scale_sandbox.log")) as sandbox:
            print(f"Local AWS sandbox on {sandbox.endpoint}")
            organization = Organization(sandbox)
            for size in sizes:
                organization.grow_to(size)
                directory = os.path.join(work, str(size))
                os.makedirs(directory, exist_ok=True)
                figures = {"collection": collection_run(sandbox, organization, directory)}
                print(f"  {size} accounts: baseline.yml {figures['collection']['seconds']} s", flush=True)
                if size in cli_sizes:
                    figures["cli"] = cli_run(sandbox, organization)
                    print(f"  {size} accounts: AWS CLI loop {figures['cli'].get('seconds', '-')} s", flush=True)
                results["sizes"][str(size)] = figures
    except VoidRun as exc:
        print(f"\nFigures void: {exc}", file=sys.stderr)
        return 2

    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["environment"] = versions()
    results["targets"] = targets(results)
    print_table(results)
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "w") as handle:
        json.dump(results, handle, indent=2)
        handle.write("\n")
    print(f"\nResults written to {os.path.relpath(args.output, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
