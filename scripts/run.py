"""The main job: the Partner Central persona roles, previewed, applied and re-checked.

With --inventory, it runs against that inventory's real AWS accounts: check
mode with diff first, then the apply only with --apply (or a "yes" at the
prompt), then a rerun that must report no change. Without it, it does the
same on the local sandbox: start it, seed an organization shaped like
inventories/sandbox, preview, apply, rerun, show the roles, stop it.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "sandbox"))

from runner import Sandbox  # noqa: E402

PLAYBOOK = os.path.join(ROOT, "playbooks", "personas.yml")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")


def playbook(inventory: str, *args: str, env: dict | None = None) -> str:
    command = [ANSIBLE_PLAYBOOK, "-i", inventory, PLAYBOOK, *args]
    print("\n$ ansible-playbook " + " ".join(command[1:]), flush=True)
    process = subprocess.run(
        command, env=env, cwd=ROOT, check=False, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    print(process.stdout, end="", flush=True)
    if process.returncode:
        raise SystemExit(f"ansible-playbook failed with exit code {process.returncode}")
    return process.stdout


def changed_count(output: str) -> int:
    return sum(int(n) for n in re.findall(r"\bchanged=(\d+)", output))


def converge(inventory: str, apply: bool, env: dict | None = None) -> None:
    playbook(inventory, "--check", "--diff", env=env)
    if not apply and sys.stdin.isatty():
        apply = input("\nApply these changes? [y/N] ").strip().lower() in ("y", "yes")
    if not apply:
        print("Not applied. Run again with --apply (make run INVENTORY=... APPLY=1) to apply.")
        return
    playbook(inventory, env=env)
    rerun = playbook(inventory, env=env)
    if changed_count(rerun):
        raise SystemExit("The rerun reported changes: the playbook is not idempotent here. Please report this.")
    print("\nRerun reported changed=0: the account matches the configuration.")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inventory", help="inventory of real AWS accounts; without it, the local sandbox is used")
    parser.add_argument("--apply", action="store_true", help="apply after the preview without asking (real AWS)")
    args = parser.parse_args(argv)

    if args.inventory:
        converge(args.inventory, args.apply)
        return 0

    inventory = os.path.join(ROOT, "inventories", "sandbox")
    with Sandbox(log_path=os.path.join(ROOT, ".venv", "sandbox.log")) as sandbox:
        print(f"Local AWS sandbox on {sandbox.endpoint}; seeding an organization like {inventory}:")
        for account in sandbox.seed(inventory):
            print(f"  {account['account_id']} {account['host']}{' (management)' if account['management'] else ''}")
        converge(inventory, apply=True, env=sandbox.env())
    print("Sandbox stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
