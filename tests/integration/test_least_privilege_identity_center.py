"""playbooks/identity_center.yml with only its shipped policy (policies/identity_center.json), IAM enforced.

The management host assumes, in the management account, a runner role holding exactly that policy (from a caller
allowed nothing but sts:AssumeRole on it, as the README sets it up). The playbook must converge as with full
rights, every call within the policy's actions and resource patterns; without one read it needs, it must fail
before any write, naming the action.
"""

import os

from integration_support import ROOT
from integration_support import run_playbook
from integration_support import write_calls
from least_privilege_support import caller_env
from least_privilege_support import granted_actions
from least_privilege_support import iam_enforced
from least_privilege_support import load_policy
from least_privilege_support import runner_inventory
from least_privilege_support import unauthorized
from least_privilege_support import used_actions
from least_privilege_support import without_action
from test_identity_center import PERSONA_POLICIES
from test_identity_center import IdentityCenter

PLAYBOOK = os.path.join(ROOT, "playbooks", "identity_center.yml")
# Granted for what a first converge and its rerun never do: purge_* options, deleting sets, drift, and waiting for
# a provisioning that an earlier, interrupted run left running.
ONLY_WHEN_NEEDED = {
    "sso:DeletePermissionSet",
    "sso:DetachManagedPolicyFromPermissionSet",
    "sso:DetachCustomerManagedPolicyReferenceFromPermissionSet",
    "sso:AttachCustomerManagedPolicyReferenceToPermissionSet",
    "sso:ListCustomerManagedPolicyReferencesInPermissionSet",
    "sso:UntagResource",
    "sso:TagResource",
    "sso:UpdatePermissionSet",
    "sso:DeleteAccountAssignment",
    "sso:DescribeAccountAssignmentDeletionStatus",
    # Only when an assignment is not done at once (the sandbox's are).
    "sso:DescribeAccountAssignmentCreationStatus",
    "sso:ListAccountsForProvisionedPermissionSet",
    "sso:ListPermissionSetProvisioningStatus",
    "identitystore:DescribeGroup",
}


def run(org, directory, policy, prefix, variant=""):
    inventory = runner_inventory(org, directory, "identity_center", policy, variant)
    extra_vars = {
        "identity_center_prefix": prefix,
        "identity_center_groups": {"AllianceLead": ["pclp-alliance-leads"]},
        "identity_center_provisioning_delay": 0.1,
        "identity_center_report_path": os.path.join(str(directory), "report.json"),
    }
    env = caller_env(org.sandbox)  # made with the sandbox's full rights, before enforcement
    with iam_enforced(org.sandbox):
        result = run_playbook(
            org.sandbox,
            PLAYBOOK,
            inventory=inventory,
            extra_vars=extra_vars,
            env=env,
            tmp=directory,
        )
        calls = org.sandbox.calls()
    return result, calls


def test_identity_center_converges_then_reruns_with_only_its_policy(sandbox, new_org, tmp_path):
    org = new_org(members=0)
    IdentityCenter(sandbox).group("pclp-alliance-leads")
    policy = load_policy("identity_center")

    applied, apply_calls = run(org, tmp_path / "apply", policy, "PCP-")
    rerun, rerun_calls = run(org, tmp_path / "rerun", policy, "PCP-")

    assert applied.ok, applied.log
    assert rerun.ok and rerun.changed == 0, rerun.log
    center = IdentityCenter(sandbox)
    sets = center.permission_sets("PCP-")
    assert sorted(sets) == sorted("PCP-" + persona for persona in PERSONA_POLICIES)
    assert all(org.partnercentral in center.provisioned_to(arn) for arn in sets.values())
    calls = apply_calls + rerun_calls
    assert not [c for c in calls if c["fault"]]
    assert not unauthorized(policy, calls), unauthorized(policy, calls)
    unused = granted_actions(policy) - used_actions(calls)
    assert unused <= ONLY_WHEN_NEEDED, f"granted, never called, and not listed as needed only sometimes: {unused}"


def test_without_listing_permission_sets_it_fails_before_any_write_naming_the_action(sandbox, new_org, tmp_path):
    org = new_org(members=0)
    policy = without_action(load_policy("identity_center"), "sso:ListPermissionSets")

    result, calls = run(org, tmp_path, policy, "PCQ-", variant="-nolist")

    assert not result.ok, result.log
    assert "sso:ListPermissionSets" in " ".join(result.failure_messages()), result.log
    assert write_calls(calls) == []
