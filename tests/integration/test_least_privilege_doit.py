"""playbooks/doit_onboarding.yml with only its shipped IAM policy (and the admin user's add-on), under moto's IAM
enforcement: split from test_least_privilege.py (which says how) so that make integration spreads the two files
over its workers; the fixture and helpers are that file's.
"""

import pytest
from integration_support import aws_client
from integration_support import report_definition
from integration_support import role_state
from integration_support import write_calls
from least_privilege_support import granted_actions
from least_privilege_support import load_policy
from least_privilege_support import used_actions
from least_privilege_support import without_action
from test_least_privilege import assert_within_policy
from test_least_privilege import doit_vars
from test_least_privilege import least_privilege_org
from test_least_privilege import run


@pytest.fixture(scope="module")
def org(sandbox, tmp_path_factory):
    return least_privilege_org(sandbox, tmp_path_factory)


def delete_role(iam, name: str) -> None:
    if role_state(iam, name) is None:
        return
    for arn in role_state(iam, name).policies:
        iam.detach_role_policy(RoleName=name, PolicyArn=arn)
    for policy_name in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=name, PolicyName=policy_name)
    iam.delete_role(RoleName=name)


def test_doit_onboarding_converges_then_repairs_drift_with_only_its_policy(org, tmp_path):
    iam = aws_client(org.sandbox, "iam")
    for name in ("doitintl_cmp", "AWSAdmin"):  # made by another test of this module, maybe
        delete_role(iam, name)
    policy = load_policy("doit_onboarding")
    extra_vars = doit_vars(tmp_path)
    report_name = f"doitintl-awsops-{extra_vars['doit_onboarding_customer_id']}"

    applied, apply_calls = run(org, tmp_path / "apply", "doit_onboarding", policy, extra_vars=extra_vars)
    assert applied.ok, applied.log
    assert role_state(iam, "doitintl_cmp").inline_policies == ["doitintl_cmp"]
    assert report_definition(org.sandbox, report_name)["TimeUnit"] == "HOURLY"
    iam.update_role(RoleName="doitintl_cmp", Description="changed by hand")
    iam.tag_role(RoleName="doitintl_cmp", Tags=[{"Key": "AddedByHand", "Value": "yes"}])
    iam.attach_role_policy(RoleName="AWSAdmin", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    if "administrators" not in [g["GroupName"] for g in iam.list_groups()["Groups"]]:
        iam.create_group(GroupName="administrators")
        iam.attach_group_policy(GroupName="administrators", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    aws_client(org.sandbox, "cur").tag_resource(ReportName=report_name, Tags=[{"Key": "AddedByHand", "Value": "1"}])
    repaired, repair_calls = run(
        org,
        tmp_path / "repair",
        "doit_onboarding",
        policy,
        extra_vars={
            **extra_vars,
            "doit_onboarding_external_id": "a-rotated-external-id",
            "doit_onboarding_tags": {"ManagedBy": "diatonic.partnercentral", "CostCenter": "42"},
            "doit_onboarding_purge_tags": True,
            "doit_onboarding_purge_policies": True,
            "doit_onboarding_report_time_unit": "DAILY",
            # DAILY is not what DoiT reads: allowed only when the user says so.
            "doit_onboarding_report_enforce_doit_requirements": False,
        },
    )

    assert repaired.ok, repaired.log
    assert "AddedByHand" not in role_state(iam, "doitintl_cmp").tags
    assert "arn:aws:iam::aws:policy/ReadOnlyAccess" not in role_state(iam, "AWSAdmin").policies
    assert report_definition(org.sandbox, report_name)["TimeUnit"] == "DAILY"
    calls = apply_calls + repair_calls
    assert {c["service"] for c in calls} >= {"iam", "s3", "cur", "organizations"}
    assert_within_policy("doit_onboarding", policy, calls)
    assert granted_actions(policy) == used_actions(calls), "an action the policy grants was never called"


def test_doit_onboarding_makes_the_admin_user_with_the_add_on_policy(org, tmp_path):
    base, add_on = load_policy("doit_onboarding"), load_policy("doit_onboarding_admin_user")
    policy = {**base, "Statement": base["Statement"] + add_on["Statement"]}
    extra_vars = {**doit_vars(tmp_path), "doit_onboarding_admin_user_create": True}

    result, calls = run(org, tmp_path, "doit_onboarding", policy, variant="-admin-user", extra_vars=extra_vars)

    assert result.ok, result.log
    attached = aws_client(org.sandbox, "iam").list_attached_user_policies(UserName="org-admin")["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AdministratorAccess"]
    assert_within_policy("doit_onboarding", policy, calls)
    # iam:UntagUser: only with doit_onboarding_purge_tags and a tag to take off.
    assert granted_actions(add_on) - used_actions(calls) == {"iam:UntagUser"}


def test_doit_onboarding_without_get_policy_fails_before_any_write_naming_it(org, tmp_path):
    policy = without_action(load_policy("doit_onboarding"), "iam:GetPolicy")

    result, calls = run(
        org, tmp_path, "doit_onboarding", policy, variant="-nogetpolicy", extra_vars=doit_vars(tmp_path)
    )

    assert not result.ok, result.log
    assert "iam:GetPolicy" in " ".join(result.failure_messages()), result.log
    assert not write_calls(calls), write_calls(calls)
