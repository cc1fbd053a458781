"""Benchmark: a no-change run of playbooks/personas.yml against the same roles looped through amazon.aws.iam_role.

    .venv/bin/python bench/personas_vs_iam_role.py [--runs N] [--strict] [--output PATH]

On one local sandbox seeded like inventories/sandbox, bench/iam_role_loop.yml
first creates the seven persona roles in the partnercentral account; then
playbooks/personas.yml must find nothing to change there (that is the proof
that the two playbooks describe the same end state). Then both playbooks run
N times each, interleaved, on the converged account. For every run it
records the wall time of the whole ansible-playbook process and the AWS calls
the sandbox served. A run that changed anything, failed or made a write call
voids the comparison (exit code 2). Issue 2's targets are printed as PASS or
MISS; a miss exits 0 unless --strict is given (then 1).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC
from datetime import datetime

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "sandbox"))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

from run import ANSIBLE_PLAYBOOK  # noqa: E402
from run import changed_count  # noqa: E402
from runner import Sandbox  # noqa: E402

INVENTORY = os.path.join(ROOT, "inventories", "sandbox")
RESULTS = os.path.join(ROOT, "bench", "results")
PERSONAS = "personas"
LOOP = "iam_role_loop"
PLAYBOOKS = {
    PERSONAS: os.path.join(ROOT, "playbooks", "personas.yml"),
    LOOP: os.path.join(ROOT, "bench", "iam_role_loop.yml"),
}
LABELS = {PERSONAS: "personas.yml", LOOP: "iam_role loop"}
# Issue 2's targets for a no-change run of personas.yml on the seven roles.
TARGET_ROLE_CALLS = 16
TARGET_TIME_SHARE = 0.5
# The credentials role's only AWS call when the inventory names a role to assume.
CREDENTIALS_CALL = ("sts", "AssumeRole")


class VoidComparison(Exception):
    """A run did something a no-change run must not do: the figures would mean nothing."""


def run_playbook(name: str, env: dict) -> tuple[float, str]:
    command = [ANSIBLE_PLAYBOOK, "-i", INVENTORY, PLAYBOOKS[name]]
    started = time.perf_counter()
    process = subprocess.run(command, env=env, cwd=ROOT, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - started
    if process.returncode:
        raise VoidComparison(f"{LABELS[name]} failed (exit code {process.returncode}):\n{process.stdout}")
    return seconds, process.stdout


def measured_run(sandbox: Sandbox, name: str) -> dict:
    """One no-change run: its wall time and the AWS calls it made."""
    sandbox.reset_calls()
    seconds, output = run_playbook(name, sandbox.env())
    calls = sandbox.calls()
    changed = changed_count(output)
    writes = [f"{c['service']}:{c['operation']}" for c in calls if c["write"]]
    if changed or writes:
        raise VoidComparison(
            f"{LABELS[name]} was not a no-change run (changed={changed}, write calls: {writes or 'none'}):\n{output}"
        )
    role_calls = [c for c in calls if (c["service"], c["operation"]) != CREDENTIALS_CALL]
    return {
        "seconds": round(seconds, 3),
        "calls": len(calls),
        "role_calls": len(role_calls),
        "by_operation": dict(sorted(Counter(f"{c['service']}:{c['operation']}" for c in calls).items())),
    }


def summary(runs: list[dict]) -> dict:
    times = [run["seconds"] for run in runs]
    # Every no-change run should make the same calls; the worst run is the one compared with the target.
    worst = max(runs, key=lambda run: run["calls"])
    return {
        "median_seconds": round(statistics.median(times), 3),
        "min_seconds": round(min(times), 3),
        "calls": worst["calls"],
        "role_calls": max(run["role_calls"] for run in runs),
        "calls_vary": len({json.dumps(run["by_operation"]) for run in runs}) > 1,
        "by_operation": worst["by_operation"],
        "runs": runs,
    }


def converge(sandbox: Sandbox) -> None:
    """Make the roles with the loop, then prove personas.yml wants exactly what the loop made."""
    _, output = run_playbook(LOOP, sandbox.env())
    print(f"  {LABELS[LOOP]}: converged (changed={changed_count(output)})", flush=True)
    _, output = run_playbook(PERSONAS, sandbox.env())
    changed = changed_count(output)
    if changed:
        raise VoidComparison(
            f"{LABELS[PERSONAS]} changed {changed} task(s) on the roles {LABELS[LOOP]} made: the playbooks do not "
            f"describe the same end state; bring bench/iam_role_loop.yml in step with the personas defaults.\n{output}"
        )
    print(f"  {LABELS[PERSONAS]}: found nothing to change (same end state)", flush=True)


def versions() -> dict:
    from ansible.release import __version__ as ansible_core

    # The amazon.aws the playbooks resolve, from wherever ansible finds it.
    galaxy = os.path.join(os.path.dirname(ANSIBLE_PLAYBOOK), "ansible-galaxy")
    listing = subprocess.run(
        [galaxy, "collection", "list", "amazon.aws", "--format", "json"], cwd=ROOT, capture_output=True, text=True
    )
    found = [c["amazon.aws"]["version"] for c in json.loads(listing.stdout or "{}").values() if "amazon.aws" in c]
    return {
        "python": platform.python_version(),
        "ansible_core": ansible_core,
        "amazon_aws": found[0] if found else None,
        "cpus": os.cpu_count(),
        "load_average": [round(n, 2) for n in os.getloadavg()],
    }


def targets(results: dict) -> list[dict]:
    personas, loop = results[PERSONAS], results[LOOP]
    return [
        {
            "target": f"personas.yml AWS calls for the seven roles <= {TARGET_ROLE_CALLS}",
            "value": f"{personas['role_calls']} (the iam_role loop: {loop['role_calls']})",
            "met": personas["role_calls"] <= TARGET_ROLE_CALLS,
        },
        {
            "target": f"personas.yml median wall time <= {TARGET_TIME_SHARE:g} x the iam_role loop's",
            "value": (
                f"{personas['median_seconds']:.2f} s vs {loop['median_seconds']:.2f} s "
                f"(loop/personas {results['ratio_median']:.2f}, needs >= {1 / TARGET_TIME_SHARE:.2f})"
            ),
            "met": personas["median_seconds"] <= TARGET_TIME_SHARE * loop["median_seconds"],
        },
    ]


def print_table(results: dict) -> None:
    personas, loop = results[PERSONAS], results[LOOP]
    rows = [
        ("wall time, median (s)", f"{personas['median_seconds']:.2f}", f"{loop['median_seconds']:.2f}"),
        ("wall time, min (s)", f"{personas['min_seconds']:.2f}", f"{loop['min_seconds']:.2f}"),
        ("AWS calls per run", personas["calls"], loop["calls"]),
        ("  for the seven roles", personas["role_calls"], loop["role_calls"]),
    ]
    for operation in sorted(set(personas["by_operation"]) | set(loop["by_operation"])):
        counts = [results[name]["by_operation"].get(operation, 0) for name in (PERSONAS, LOOP)]
        rows.append((f"  {operation}", *counts))
    print(f"\nNo-change runs, {results['runs']} each, on one sandbox ({results['environment']['cpus']} CPUs):\n")
    print(f"  {'':32}{LABELS[PERSONAS]:>16}{LABELS[LOOP]:>16}")
    for label, left, right in rows:
        print(f"  {label:32}{left!s:>16}{right!s:>16}")
    print(
        f"\n  iam_role loop / personas.yml wall time: {results['ratio_median']:.2f} (median), "
        f"{results['ratio_min']:.2f} (min)"
    )
    for name in (PERSONAS, LOOP):
        if results[name]["calls_vary"]:
            print(f"  note: {LABELS[name]} did not make the same calls on every run; the worst run is shown")
    print("\nIssue 2 targets:")
    for target in results["targets"]:
        print(f"  {'PASS' if target['met'] else 'MISS'}  {target['target']}: {target['value']}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measured no-change runs of each playbook (default 5)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--output", default=os.path.join(RESULTS, "latest.json"), help="where to write the JSON")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    os.makedirs(RESULTS, exist_ok=True)
    runs = {PERSONAS: [], LOOP: []}
    try:
        with Sandbox(log_path=os.path.join(RESULTS, "sandbox.log")) as sandbox:
            print(f"Local AWS sandbox on {sandbox.endpoint}, seeded like {os.path.relpath(INVENTORY, ROOT)}")
            sandbox.seed(INVENTORY)
            converge(sandbox)
            # Interleaved, so that a slow spell of the machine hits both sides alike.
            for number in range(1, args.runs + 1):
                for name in (PERSONAS, LOOP):
                    runs[name].append(measured_run(sandbox, name))
                    print(f"  run {number}/{args.runs} {LABELS[name]}: {runs[name][-1]['seconds']:.2f} s", flush=True)
    except VoidComparison as exc:
        print(f"\nComparison void: {exc}", file=sys.stderr)
        return 2

    results = {
        "command": " ".join([os.path.relpath(sys.executable, ROOT), os.path.relpath(__file__, ROOT), *sys.argv[1:]]),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "runs": args.runs,
        "environment": versions(),
        PERSONAS: summary(runs[PERSONAS]),
        LOOP: summary(runs[LOOP]),
    }
    results["ratio_median"] = round(results[LOOP]["median_seconds"] / results[PERSONAS]["median_seconds"], 3)
    results["ratio_min"] = round(results[LOOP]["min_seconds"] / results[PERSONAS]["min_seconds"], 3)
    results["targets"] = targets(results)
    print_table(results)

    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "w") as handle:
        json.dump(results, handle, indent=2)
        handle.write("\n")
    print(f"\nResults written to {os.path.relpath(args.output, ROOT)}")
    missed = [t for t in results["targets"] if not t["met"]]
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
