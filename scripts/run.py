"""The main job: the whole migration (playbooks/site.yml), previewed, applied and re-checked, ending with the
readiness report a person opens.

With --inventory, it runs against that inventory's real AWS accounts: check mode with diff first, then the apply
only with --apply (or a "yes" at the prompt), then a rerun that must report no change, then where the readiness
report is. Without it, it does the same on the local sandbox, in two acts:

1. the organization as a new user finds it (no root MFA, no CloudTrail trail, the Partner Central account on the
   Free plan and not linked): the preview stops at the pre-flight, which names what is not ready;
2. the same organization once a person has done their part (root MFA, a trail in every account, the Paid plan,
   an IAM administrator for DoiT, the account linked in the Partner Central console, the users exported from
   Partner Central): preview, apply, rerun with nothing left to change.

Each act ends with every account's verdict and the path of the readiness report (reports/readiness.html).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "sandbox"))

from runner import Sandbox  # noqa: E402

SITE = os.path.join(ROOT, "playbooks", "site.yml")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
# The sandbox journey runs in a directory of its own, so that its reports are not mixed with yours.
SANDBOX_RUN = os.path.join(ROOT, "sandbox-run")
SANDBOX_INVENTORY = os.path.join(ROOT, "inventories", "sandbox")
# DoiT's onboarding in the sandbox: a made-up customer and DoiT account; the external ID is generated per run.
DOIT_VARS = {"doit_onboarding_customer_id": "sandbox", "doit_onboarding_trusted_account_id": "999988887777"}
EXTERNAL_ID_FROM_ENV = {"doit_onboarding_external_id": "{{ lookup('ansible.builtin.env', 'DOIT_EXTERNAL_ID') }}"}
# What a user exports from Partner Central (Settings > Users), in one of its spellings.
USER_EXPORT = """\ufeffName,Email,Role,Last Login
Drew Fortini,drew@example.com,Alliance Lead,2026-11-20
Casey Admin,casey@example.com,Cloud Admin,2026-11-24
Avery Ace,avery@example.com,ACE Manager,2026-11-02
Morgan Market,morgan@example.com,Marketing,2026-10-30
Sam Old,sam@example.com,Technical,2025-01-15
"""
CLOUD_ADMIN_ROLE = "PartnerCentralRoleForCloudAdmin-Sandbox"


class Run:
    """ansible-playbook runs from one directory (the reports go under it), printing each as it goes."""

    def __init__(
        self,
        inventory: str,
        directory: str = ROOT,
        env: dict | None = None,
        extra_vars: dict | None = None,
        extra_args: tuple = (),
    ):
        self.inventory = inventory
        self.extra_args = tuple(extra_args)
        self.directory = directory
        self.env = dict(env if env is not None else os.environ)
        # The repository's settings (collections next to the playbooks, pipelining), from any directory.
        self.env.setdefault("ANSIBLE_CONFIG", os.path.join(ROOT, "ansible.cfg"))
        self.extra_vars = extra_vars or {}

    def playbook(self, *args: str, may_fail: bool = False) -> tuple[int, str]:
        command = [ANSIBLE_PLAYBOOK, "-i", self.inventory, SITE, *args, *self.extra_args]
        if self.extra_vars:
            command += ["-e", json.dumps(self.extra_vars)]
        print("\n$ ansible-playbook " + " ".join(command[1:]), flush=True)
        process = subprocess.run(
            command,
            env=self.env,
            cwd=self.directory,
            check=False,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        print(process.stdout, end="", flush=True)
        if process.returncode and not may_fail:
            raise SystemExit(f"ansible-playbook failed with exit code {process.returncode}")
        return process.returncode, process.stdout

    def summary(self) -> None:
        """Every account's verdict from the readiness report, and where it is."""
        path = os.path.join(self.directory, "reports", "readiness.json")
        if not os.path.exists(path):
            print(f"\nNo readiness report at {path}: see the output above for what stopped the run.")
            return
        with open(path) as handle:
            report = json.load(handle)
        organization = report["organization"]
        print(f"\nReadiness of the organization: {organization['verdict']}")
        for account in report["accounts"]:
            counts = ", ".join(f"{n} {status}" for status, n in account["counts"].items())
            print(f"  {account['host'] or ''} {account['account']}: {account['verdict']} ({counts})")
            if account["first_reason"]:
                print(f"      first: {account['first_reason']}")
        print(f"Open the readiness report: {os.path.splitext(path)[0]}.html (also .md and .json)")


def preflight_verdicts(directory: str) -> dict:
    """Each account's verdict in the pre-flight's report (reports/preflight.json under ``directory``)."""
    path = os.path.join(directory, "reports", "preflight.json")
    if not os.path.exists(path):
        return {}
    with open(path) as handle:
        return {a["account"]: a["verdict"] for a in json.load(handle)["accounts"]}


def changed_count(output: str) -> int:
    return sum(int(n) for n in re.findall(r"\bchanged=(\d+)", output))


def converge(run: Run, apply: bool) -> None:
    run.playbook("--check", "--diff")
    if not apply and sys.stdin.isatty():
        apply = input("\nApply these changes? [y/N] ").strip().lower() in ("y", "yes")
    if not apply:
        print("Not applied. Run again with --apply (make run INVENTORY=... APPLY=1) to apply.")
        run.summary()
        return
    run.playbook()
    _code, rerun = run.playbook()
    if changed_count(rerun):
        raise SystemExit("The rerun reported changes: the playbook is not idempotent here. Please report this.")
    print("\nRerun reported changed=0: the accounts match the configuration.")
    run.summary()


# --- the sandbox: an organization as found, then as a person leaves it ----------


def _clients(sandbox, account_id: str, management: str):
    import boto3  # noqa: PLC0415 - only the sandbox journey needs it

    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    if account_id != management:
        credentials = session.client("sts", endpoint_url=sandbox.endpoint).assume_role(
            RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole", RoleSessionName="make-run"
        )["Credentials"]
        session = boto3.session.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name="us-east-1",
        )
    return lambda service: session.client(service, endpoint_url=sandbox.endpoint)


def what_a_person_does(sandbox, accounts: list[dict]) -> None:
    """The steps no API of the collection takes: done here through the sandbox, as a person would in the console."""
    management = next(a["account_id"] for a in accounts if a["management"])
    partnercentral = next(a["account_id"] for a in accounts if a["host"].endswith("partnercentral"))
    for account in accounts:
        account_id = account["account_id"]
        client = _clients(sandbox, account_id, management)
        # Phase 2: root MFA (console only) and a logging multi-region trail.
        sandbox.control("/_sandbox/state", {"account_id": account_id, "root_mfa": True})
        bucket = f"audit-logs-{account_id}"
        client("s3").create_bucket(Bucket=bucket)
        client("cloudtrail").create_trail(Name="account-trail", S3BucketName=bucket, IsMultiRegionTrail=True)
        client("cloudtrail").start_logging(Name="account-trail")
        print(f"  {account['host']}: root MFA on, multi-region trail account-trail logging")
    # Phase 0: the Partner Central account upgraded to the Paid plan (Billing console).
    sandbox.control("/_sandbox/state", {"account_id": partnercentral, "plan": "PAID"})
    print(f"  {partnercentral}: upgraded to the Paid plan")
    # DoiT step 1.2: an IAM user with AdministratorAccess in the management account.
    iam = _clients(sandbox, management, management)("iam")
    iam.create_user(UserName="org-admin")
    iam.attach_user_policy(UserName="org-admin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    print(f"  {management}: IAM user org-admin with AdministratorAccess")
    # Phase 6: the account linked in the Partner Central console; AWS creates the cloud admin role.
    iam = _clients(sandbox, partnercentral, management)("iam")
    iam.create_role(
        RoleName=CLOUD_ADMIN_ROLE,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "partnercentral-account-management.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )
    iam.attach_role_policy(
        RoleName=CLOUD_ADMIN_ROLE,
        PolicyArn="arn:aws:iam::aws:policy/PartnerCentralAccountManagementUserRoleAssociation",
    )
    sandbox.control(
        "/_sandbox/state",
        {"account_id": partnercentral, "partner_central": {"linked": True, "legal_name": "Diatonic AI"}},
    )
    print(f"  {partnercentral}: linked to Partner Central (AWS made role {CLOUD_ADMIN_ROLE})")


def sandbox_journey(doit: bool = True) -> None:
    shutil.rmtree(SANDBOX_RUN, ignore_errors=True)
    os.makedirs(SANDBOX_RUN)
    with Sandbox(log_path=os.path.join(ROOT, ".venv", "sandbox.log")) as sandbox:
        print(f"Local AWS sandbox on {sandbox.endpoint}; seeding an organization like {SANDBOX_INVENTORY}")
        print("as a new user finds it: no root MFA, no CloudTrail trail, the Partner Central account on the Free")
        print("plan and not linked to Partner Central.")
        partnercentral_plan = {"210987654321": {"plan": "FREE"}}
        accounts = sandbox.seed(SANDBOX_INVENTORY, partnercentral_plan)
        for account in accounts:
            print(f"  {account['account_id']} {account['host']}{' (management)' if account['management'] else ''}")
        env = dict(sandbox.env(), DOIT_EXTERNAL_ID=secrets.token_hex(16))
        run = Run(SANDBOX_INVENTORY, SANDBOX_RUN, env, {**DOIT_VARS, **EXTERNAL_ID_FROM_ENV} if doit else {})

        print("\n=== 1. The organization as found: a preview (--check) ===")
        code, _output = run.playbook("--check", "--diff", may_fail=True)
        stopped = preflight_verdicts(SANDBOX_RUN)
        if code == 0 or not stopped or all(verdict == "ready" for verdict in stopped.values()):
            raise SystemExit("The pre-flight did not stop the new organization as it should have: see above.")
        names = ", ".join(f"{account} {verdict}" for account, verdict in stopped.items())
        print(f"\nThe pre-flight stopped what is not ready ({names}); nothing was written (--check).")
        run.summary()

        print("\n=== 2. What a person does (console steps, done here through the sandbox) ===")
        what_a_person_does(sandbox, accounts)
        export = os.path.join(SANDBOX_RUN, "partnercentral-users.csv")
        with open(export, "w", encoding="utf-8") as handle:
            handle.write(USER_EXPORT)
        print(f"  users exported from Partner Central to {export}")
        run.extra_vars["user_mapping_export"] = export

        print("\n=== 3. The organization once fixed: preview, apply, rerun ===")
        converge(run, apply=True)
    print("Sandbox stopped.")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inventory", help="inventory of real AWS accounts; without it, the local sandbox is used")
    parser.add_argument("--apply", action="store_true", help="apply after the preview without asking (real AWS)")
    parser.add_argument(
        "-e",
        "--extra-vars",
        action="append",
        default=[],
        help="passed to ansible-playbook (real AWS), e.g. -e user_mapping_export=users.csv",
    )
    parser.add_argument("--no-doit", action="store_true", help="the sandbox journey without DoiT onboarding")
    args = parser.parse_args(argv)

    if args.inventory:
        run = Run(args.inventory, extra_args=[arg for value in args.extra_vars for arg in ("-e", value)])
        converge(run, args.apply)
        return 0
    sandbox_journey(doit=not args.no_doit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
