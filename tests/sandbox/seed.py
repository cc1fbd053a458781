"""Seed a running sandbox with an organization shaped like an inventory.

    python tests/sandbox/seed.py --endpoint http://127.0.0.1:N --inventory inventories/sandbox

Every host of the inventory (DESIGN.md contract 2) becomes an account with
its ``aws_account_id``: the ``management`` host creates the organization, the
others join it as members (each with an OrganizationAccountAccessRole that
trusts the management account, as CreateAccount makes it). ``--state``
takes extra per-account settings as JSON, e.g. ``'{"111122223333": {"plan": "FREE"}}'``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def control(endpoint: str, path: str, payload=None, method: str = "POST"):
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(
        endpoint.rstrip("/") + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        # The control endpoint says what was wrong in its JSON answer: keep it in the exception.
        raise ControlError(f"{method} {path}: HTTP {error.code}: {error.read().decode(errors='replace')}") from error


class ControlError(RuntimeError):
    """The sandbox's control endpoint refused a request."""


def _plain(value):
    # ansible-inventory --list (ansible-core 2.19+) wraps values an inventory plugin set as {"__ansible_unsafe": v}.
    if isinstance(value, dict) and set(value) == {"__ansible_unsafe"}:
        return value["__ansible_unsafe"]
    return value


def inventory_accounts(inventory: str) -> list[dict]:
    """The inventory's accounts, management first, as the playbooks see them."""
    ansible_inventory = os.path.join(os.path.dirname(sys.executable), "ansible-inventory")
    listing = json.loads(
        subprocess.run(
            [ansible_inventory, "-i", inventory, "--list"], check=True, capture_output=True, text=True
        ).stdout
    )
    hostvars = listing.get("_meta", {}).get("hostvars", {})
    management = set(listing.get("management", {}).get("hosts", []))
    if len(management) != 1:
        raise SystemExit(f"{inventory}: the management group must hold exactly one host, found {sorted(management)}")
    accounts = []
    for host in sorted(hostvars, key=lambda h: (h not in management, h)):
        account_id = str(_plain(hostvars[host].get("aws_account_id", "")))
        if not account_id:
            raise SystemExit(f"{inventory}: host {host} has no aws_account_id")
        accounts.append({"host": host, "account_id": account_id, "management": host in management})
    return accounts


def seed(endpoint: str, inventory: str, extra_state: dict | None = None) -> list[dict]:
    accounts = inventory_accounts(inventory)
    for account in accounts:
        payload = {
            "account_id": account["account_id"],
            "org_role": "management" if account["management"] else "member",
            "name": account["host"],
            "email": f"aws+{account['host']}@example.com",
        }
        payload.update((extra_state or {}).get(account["account_id"], {}))
        control(endpoint, "/_sandbox/state", payload)
    return accounts


# Phase 2 as a user sets it up by hand (not taken from the collection): the trail and recorder names.
BASELINE_TRAIL = "account-trail"
BASELINE_RECORDER = "default"


def put_baseline_in_place(endpoint: str, client, account_id: str) -> None:
    """Phase 2 done right in ``account_id``: root MFA, a logging multi-region trail, AWS Config recording, a strict
    password policy. ``client(service)`` is a boto3 client acting in the account."""
    bucket = f"audit-logs-{account_id}"
    client("s3").create_bucket(Bucket=bucket)
    cloudtrail = client("cloudtrail")
    cloudtrail.create_trail(Name=BASELINE_TRAIL, S3BucketName=bucket, IsMultiRegionTrail=True)
    cloudtrail.start_logging(Name=BASELINE_TRAIL)
    config = client("config")
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": BASELINE_RECORDER,
            "roleARN": f"arn:aws:iam::{account_id}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
        }
    )
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": bucket})
    config.start_configuration_recorder(ConfigurationRecorderName=BASELINE_RECORDER)
    client("iam").update_account_password_policy(
        MinimumPasswordLength=16,
        RequireSymbols=True,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
        PasswordReusePrevention=24,
    )
    control(endpoint, "/_sandbox/state", {"account_id": account_id, "root_mfa": True})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--inventory", required=True)
    parser.add_argument("--state", default="{}", help="JSON: account ID -> extra /_sandbox/state keys")
    args = parser.parse_args(argv)
    for account in seed(args.endpoint, args.inventory, json.loads(args.state)):
        role = "management" if account["management"] else "member"
        print(f"sandbox: {account['account_id']} {account['host']} ({role})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
