"""Identity Center permission sets (module_utils/identity_center.py) against real boto3 clients with botocore's Stubber.

The Stubber answers instead of AWS and checks every request against the sso-admin and identitystore models; a call
that was not queued fails the test, so each test also proves which calls were (not) made: none at all for input
refused before any call, only reads in check mode.
"""

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.diatonic.partnercentral.plugins.module_utils import identity_center as ic
from ansible_collections.diatonic.partnercentral.plugins.module_utils import records
from ansible_collections.diatonic.partnercentral.plugins.module_utils.engine import PlanError
from ansible_collections.diatonic.partnercentral.plugins.module_utils.personas import PersonaError

TARGET = "210987654321"
INSTANCE = "arn:aws:sso:::instance/ssoins-1234567890abcdef"
STORE = "d-1234567890"
REQUEST_1 = "11111111-2222-3333-4444-555555555555"
REQUEST_2 = "22222222-2222-3333-4444-555555555555"
LEADS_GROUP = "a1b2c3d4-1111-2222-3333-444455556666"
OTHER_GROUP = "a1b2c3d4-9999-2222-3333-444455556666"
FULL = "arn:aws:iam::aws:policy/AWSPartnerCentralFullAccess"
SELLER = "arn:aws:iam::aws:policy/AWSMarketplaceSellerFullAccess"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
TAGS = {"ManagedBy": "diatonic.partnercentral"}


def ps_arn(suffix="0123456789abcdef"):
    return f"{INSTANCE.replace('instance', 'permissionSet')}/ps-{suffix}"


LEAD_ARN = ps_arn()


class Clients:
    """sso-admin and identitystore clients, each with a Stubber that must have answered every queued call."""

    def __init__(self):
        options = dict(region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
        self.sso = boto3.client("sso-admin", **options)
        self.ids = boto3.client("identitystore", **options)
        self.sso_stub = Stubber(self.sso)
        self.ids_stub = Stubber(self.ids)
        self.calls = []
        for client in (self.sso, self.ids):
            client.meta.events.register("before-parameter-build", self._record)

    def _record(self, model, params, **kwargs):
        self.calls.append(model.name)

    def sso_says(self, operation, response, params=None):
        self.sso_stub.add_response(operation, response, params)

    def ids_says(self, operation, response, params=None):
        self.ids_stub.add_response(operation, response, params)

    def writes(self):
        reads = ("List", "Describe", "Get")
        return [c for c in self.calls if not c.startswith(reads)]

    def __enter__(self):
        self.sso_stub.activate()
        self.ids_stub.activate()
        return self

    def __exit__(self, *exc):
        self.sso_stub.deactivate()
        self.ids_stub.deactivate()
        if exc[0] is None:
            self.sso_stub.assert_no_pending_responses()
            self.ids_stub.assert_no_pending_responses()


@pytest.fixture
def aws():
    with Clients() as clients:
        yield clients


def group_arn(group_id):
    return f"arn:aws:identitystore:::group/{group_id}"


def contractors():
    """DescribeGroup's answer for a group assigned by hand."""
    return {
        "GroupId": OTHER_GROUP,
        "GroupArn": group_arn(OTHER_GROUP),
        "Revision": "1",
        "DisplayName": "contractors",
        "IdentityStoreId": STORE,
    }


def lead(**changes):
    item = {
        "name": "PartnerCentral-AllianceLead",
        "state": "present",
        "description": "Alliance Lead",
        "session_duration": "PT1H",
        "managed_policies": ["AWSPartnerCentralFullAccess", "AWSMarketplaceSellerFullAccess"],
        "customer_managed_policies": [],
        "tags": dict(TAGS),
        "groups": ["pc-alliance-leads"],
    }
    item.update(changes)
    return item


def no_wait(describe, label):
    return ic.wait_for_request(describe, label, timeout=60, delay=1, sleep=lambda _s: None)


# --- the reads, queued in the order read_state makes them ---------------------------


def queue_instance(aws, instances=None):
    found = [{"InstanceArn": INSTANCE, "IdentityStoreId": STORE, "OwnerAccountId": "123456789012", "Status": "ACTIVE"}]
    aws.sso_says("list_instances", {"Instances": found if instances is None else instances})


def queue_reads(
    aws, existing=None, provisioned=(), outdated=(), groups=None, assignments=(), extra_sets=(), asks_outdated=None
):
    """The reads of one run: ``existing`` is the AllianceLead set as it is (None: absent). The outdated ones are
    asked when a declared set is provisioned (``asks_outdated``; by default whenever any set is)."""
    queue_instance(aws)
    sets = ([LEAD_ARN] if existing is not None else []) + [arn for arn, _name in extra_sets]
    aws.sso_says("list_permission_sets", {"PermissionSets": sets}, {"InstanceArn": INSTANCE})
    if existing is not None:
        aws.sso_says(
            "describe_permission_set",
            {
                "PermissionSet": {
                    "Name": "PartnerCentral-AllianceLead",
                    "PermissionSetArn": LEAD_ARN,
                    "Description": existing.get("description", "Alliance Lead"),
                    "SessionDuration": existing.get("session_duration", "PT1H"),
                }
            },
        )
    for arn, name in extra_sets:
        aws.sso_says("describe_permission_set", {"PermissionSet": {"Name": name, "PermissionSetArn": arn}})
    aws.sso_says(
        "list_permission_sets_provisioned_to_account",
        {"PermissionSets": list(provisioned)},
        {"InstanceArn": INSTANCE, "AccountId": TARGET},
    )
    if bool(provisioned) if asks_outdated is None else asks_outdated:
        aws.sso_says(
            "list_permission_sets_provisioned_to_account",
            {"PermissionSets": list(outdated)},
            {
                "InstanceArn": INSTANCE,
                "AccountId": TARGET,
                "ProvisioningStatus": "LATEST_PERMISSION_SET_NOT_PROVISIONED",
            },
        )
    if existing is not None:
        aws.sso_says(
            "list_managed_policies_in_permission_set",
            {"AttachedManagedPolicies": [{"Arn": a, "Name": a.rsplit("/", 1)[-1]} for a in existing["policies"]]},
        )
        aws.sso_says(
            "list_customer_managed_policy_references_in_permission_set", {"CustomerManagedPolicyReferences": []}
        )
        aws.sso_says(
            "list_tags_for_resource",
            {"Tags": [{"Key": k, "Value": v} for k, v in existing.get("tags", TAGS).items()]},
            {"InstanceArn": INSTANCE, "ResourceArn": LEAD_ARN},
        )
        aws.sso_says(
            "list_account_assignments",
            {
                "AccountAssignments": [
                    {"AccountId": TARGET, "PermissionSetArn": LEAD_ARN, "PrincipalType": "GROUP", "PrincipalId": g}
                    for g in assignments
                ]
            },
            {"InstanceArn": INSTANCE, "AccountId": TARGET, "PermissionSetArn": LEAD_ARN},
        )
    for display_name, group_id in ({"pc-alliance-leads": LEADS_GROUP} if groups is None else groups).items():
        if group_id is None:
            aws.ids_stub.add_client_error("get_group_id", "ResourceNotFoundException", "GROUP not found.")
        else:
            aws.ids_says(
                "get_group_id",
                {"GroupId": group_id, "GroupArn": group_arn(group_id), "IdentityStoreId": STORE},
                {
                    "IdentityStoreId": STORE,
                    "AlternateIdentifier": {
                        "UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": display_name}
                    },
                },
            )


CONVERGED = {"policies": [FULL, SELLER]}


def converge(aws, desired, **options):
    options.setdefault("wait", no_wait)
    return ic.converge_permission_sets(aws.sso, aws.ids, desired, TARGET, **options)


# --- refused before any call ------------------------------------------------------------


def test_an_eleventh_policy_is_refused_before_any_call(aws):
    eleven = [f"AWSPolicy{i}" for i in range(10)] + ["AWSPartnerCentralFullAccess"]

    with pytest.raises(PlanError) as refused:
        converge(aws, [lead(managed_policies=eleven)])

    assert aws.calls == []
    message = refused.value.message
    assert "PartnerCentral-AllianceLead: 11 managed and customer managed policies" in message
    assert "at most 10" in message and "Service Quotas" in message and "max_policies" in message


def test_managed_and_customer_managed_policies_count_together_against_the_limit():
    item = lead(managed_policies=[f"AWSPolicy{i}" for i in range(8)], customer_managed_policies=["a", "/team/b", "c"])

    assert any("11 managed and customer managed" in p for p in ic.permission_set_problems([item], TARGET))
    assert ic.permission_set_problems([item], TARGET, max_policies=11) == []
    assert ic.permission_set_problems([lead(managed_policies=[f"P{i}" for i in range(10)])], TARGET) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"name": "PartnerCentral-" + "X" * 20}, "1 to 32"),
        ({"session_duration": "PT13H"}, "PT1H to PT12H"),
        ({"session_duration": "1 hour"}, "ISO 8601"),
        ({"session_duration": "PT30M"}, "PT1H to PT12H"),
        ({"description": "Alliance Lead \u2014 all"}, "Latin-1"),
        ({"managed_policies": ["not a policy"]}, "not a managed policy name"),
        ({"customer_managed_policies": ["no spaces allowed"]}, "customer managed policy"),
        ({"tags": {"aws:owner": "x"}}, "aws:"),
        ({"groups": [""]}, "display name"),
    ],
)
def test_invalid_permission_sets_are_refused_naming_the_set_and_the_fix(changes, expected):
    problems = ic.permission_set_problems([lead(**changes)], TARGET)

    assert len(problems) == 1, problems
    assert expected in problems[0]


def test_a_target_account_that_is_not_an_account_id_is_refused():
    problems = ic.permission_set_problems([lead()], "2109876543")

    assert problems and "12-digit" in problems[0] and "partnercentral host" in problems[0]


def test_a_permission_set_declared_twice_is_refused():
    assert any("declared twice" in p for p in ic.permission_set_problems([lead(), lead()], TARGET))


def test_session_durations_compare_by_length_not_spelling():
    assert ic.session_seconds("PT1H") == ic.session_seconds("PT60M") == 3600
    assert ic.iso_duration(5400) == "PT1H30M"
    assert ic.session_seconds("P1D") is None


# --- Identity Center not enabled ------------------------------------------------------


def test_identity_center_not_enabled_fails_saying_how_to_enable_it_before_any_write(aws):
    queue_instance(aws, instances=[])

    with pytest.raises(ic.IdentityCenterNotEnabled) as failed:
        converge(aws, [lead()])

    assert aws.calls == ["ListInstances"]
    assert "not enabled" in failed.value.message and "console" in failed.value.message
    assert "Nothing was changed" in failed.value.message


def test_a_named_instance_that_does_not_exist_is_refused(aws):
    queue_instance(aws)

    with pytest.raises(ic.IdentityCenterError, match="instance_arn .* is not an Identity Center instance"):
        ic.find_instance(aws.sso, "arn:aws:sso:::instance/ssoins-ffffffffffffffff")


def test_several_instances_need_instance_arn(aws):
    two = [
        {"InstanceArn": INSTANCE, "IdentityStoreId": STORE, "Status": "ACTIVE"},
        {"InstanceArn": INSTANCE[:-1] + "0", "IdentityStoreId": "d-0000000000", "Status": "ACTIVE"},
    ]
    queue_instance(aws, instances=two)

    with pytest.raises(ic.IdentityCenterError, match="instance_arn"):
        ic.find_instance(aws.sso)


# --- planning and applying ------------------------------------------------------------


def test_check_mode_reads_only_and_its_diff_shows_the_new_permission_set(aws):
    queue_reads(aws, existing=None)

    changed, results, diff, _warnings, found = converge(aws, [lead()], check_mode=True)

    assert changed
    assert aws.writes() == []
    after = diff["after"]["PartnerCentral-AllianceLead"]
    assert diff["before"]["PartnerCentral-AllianceLead"] == {}
    assert after["managed_policies"] == sorted([FULL, SELLER])
    assert after["session_duration"] == "PT1H" and after["tags"] == TAGS
    assert after["provisioned_to"] == [TARGET]
    assert after["assignments"] == ["group:pc-alliance-leads"]
    assert results[0]["arn"] is None
    assert found["before"][0]["arn"] is None  # the records of a check run describe things as they are


def test_apply_creates_attaches_provisions_waits_and_assigns_in_order(aws):
    queue_reads(aws, existing=None)
    aws.sso_says(
        "create_permission_set",
        {"PermissionSet": {"Name": "PartnerCentral-AllianceLead", "PermissionSetArn": LEAD_ARN}},
        {
            "InstanceArn": INSTANCE,
            "Name": "PartnerCentral-AllianceLead",
            "SessionDuration": "PT1H",
            "Description": "Alliance Lead",
            "Tags": [{"Key": "ManagedBy", "Value": "diatonic.partnercentral"}],
        },
    )
    for policy in sorted([FULL, SELLER]):
        aws.sso_says(
            "attach_managed_policy_to_permission_set",
            {},
            {"InstanceArn": INSTANCE, "PermissionSetArn": LEAD_ARN, "ManagedPolicyArn": policy},
        )
    aws.sso_says(
        "provision_permission_set",
        {"PermissionSetProvisioningStatus": {"Status": "IN_PROGRESS", "RequestId": REQUEST_1}},
        {"InstanceArn": INSTANCE, "PermissionSetArn": LEAD_ARN, "TargetId": TARGET, "TargetType": "AWS_ACCOUNT"},
    )
    for status in ("IN_PROGRESS", "SUCCEEDED"):
        aws.sso_says(
            "describe_permission_set_provisioning_status",
            {"PermissionSetProvisioningStatus": {"Status": status, "RequestId": REQUEST_1}},
            {"InstanceArn": INSTANCE, "ProvisionPermissionSetRequestId": REQUEST_1},
        )
    aws.sso_says(
        "create_account_assignment",
        {"AccountAssignmentCreationStatus": {"Status": "IN_PROGRESS", "RequestId": REQUEST_2}},
        {
            "InstanceArn": INSTANCE,
            "PermissionSetArn": LEAD_ARN,
            "TargetId": TARGET,
            "TargetType": "AWS_ACCOUNT",
            "PrincipalType": "GROUP",
            "PrincipalId": LEADS_GROUP,
        },
    )
    aws.sso_says(
        "describe_account_assignment_creation_status",
        {"AccountAssignmentCreationStatus": {"Status": "SUCCEEDED", "RequestId": REQUEST_2}},
        {"InstanceArn": INSTANCE, "AccountAssignmentCreationRequestId": REQUEST_2},
    )

    changed, results, _diff, warnings, _found = converge(aws, [lead()])

    assert changed and warnings == []
    assert aws.writes() == [
        "CreatePermissionSet",
        "AttachManagedPolicyToPermissionSet",
        "AttachManagedPolicyToPermissionSet",
        "ProvisionPermissionSet",
        "CreateAccountAssignment",
    ]
    assert results[0]["arn"] == LEAD_ARN
    assert results[0]["provisioned_to_target"] and results[0]["assignments"] == ["group:pc-alliance-leads"]


def test_a_converged_permission_set_costs_reads_only_and_reports_no_change(aws):
    queue_reads(aws, existing=CONVERGED, provisioned=[LEAD_ARN], assignments=[LEADS_GROUP])

    changed, results, diff, warnings, _found = converge(aws, [lead()])

    assert not changed and aws.writes() == [] and warnings == []
    assert diff == {"before": {}, "after": {}}
    assert results[0]["policies_match"] and results[0]["provisioned_to_target"]


def test_a_set_changed_behind_its_back_is_provisioned_again(aws):
    queue_reads(aws, existing=CONVERGED, provisioned=[LEAD_ARN], outdated=[LEAD_ARN], assignments=[LEADS_GROUP])
    aws.sso_says(
        "provision_permission_set",
        {"PermissionSetProvisioningStatus": {"Status": "SUCCEEDED", "RequestId": REQUEST_1}},
    )

    changed, _results, diff, _warnings, _found = converge(aws, [lead()])

    assert changed and aws.writes() == ["ProvisionPermissionSet"]
    assert diff["before"]["PartnerCentral-AllianceLead"]["provisioned_to"] == [f"{TARGET} (an older version)"]
    assert diff["after"]["PartnerCentral-AllianceLead"]["provisioned_to"] == [TARGET]


def test_undeclared_policies_tags_assignments_and_sets_are_reported_and_left_alone(aws):
    drifted = {"policies": [FULL, SELLER, ADMIN], "tags": {**TAGS, "Owner": "someone"}}
    extra_set = (ps_arn("ffffffffffffffff"), "PartnerCentral-OldTeam")
    queue_reads(
        aws,
        existing=drifted,
        provisioned=[LEAD_ARN],
        assignments=[LEADS_GROUP, OTHER_GROUP],
        extra_sets=[extra_set, (ps_arn("eeeeeeeeeeeeeeee"), "AdministratorAccess")],
    )
    aws.ids_says("describe_group", contractors())

    changed, results, _diff, warnings, found = converge(aws, [lead()])

    assert not changed and aws.writes() == []
    assert results[0]["extra_policies"] == [ADMIN]
    assert results[0]["extra_tags"] == ["Owner"]
    assert results[0]["extra_assignments"] == ["group:contractors"]
    assert found["undeclared"] == {"PartnerCentral-OldTeam": extra_set[0]}
    text = " ".join(warnings)
    assert "purge_policies" in text and "purge_assignments" in text and "purge_permission_sets" in text
    assert "AdministratorAccess" in text and "PartnerCentral-OldTeam" in text


def test_purge_options_remove_what_is_not_declared(aws):
    queue_reads(
        aws,
        existing={"policies": [FULL, SELLER, ADMIN], "tags": {**TAGS, "Owner": "someone"}},
        provisioned=[LEAD_ARN],
        assignments=[LEADS_GROUP, OTHER_GROUP],
    )
    aws.ids_says("describe_group", contractors())
    aws.sso_says(
        "detach_managed_policy_from_permission_set",
        {},
        {"InstanceArn": INSTANCE, "PermissionSetArn": LEAD_ARN, "ManagedPolicyArn": ADMIN},
    )
    aws.sso_says("untag_resource", {}, {"InstanceArn": INSTANCE, "ResourceArn": LEAD_ARN, "TagKeys": ["Owner"]})
    aws.sso_says("provision_permission_set", {"PermissionSetProvisioningStatus": {"Status": "SUCCEEDED"}})
    aws.sso_says("delete_account_assignment", {"AccountAssignmentDeletionStatus": {"Status": "SUCCEEDED"}})

    changed, results, diff, warnings, _found = converge(
        aws, [lead()], purge_policies=True, purge_tags=True, purge_assignments=True
    )

    assert changed and warnings == []
    assert aws.writes() == [
        "DetachManagedPolicyFromPermissionSet",
        "UntagResource",
        "ProvisionPermissionSet",
        "DeleteAccountAssignment",
    ]
    assert results[0]["managed_policies"] == sorted([FULL, SELLER])
    assert diff["before"]["PartnerCentral-AllianceLead"]["assignments"] == [
        "group:contractors",
        "group:pc-alliance-leads",
    ]
    assert diff["after"]["PartnerCentral-AllianceLead"]["assignments"] == ["group:pc-alliance-leads"]


def test_purge_permission_sets_deletes_an_undeclared_set_after_its_assignments(aws):
    old = ps_arn("ffffffffffffffff")
    queue_reads(
        aws,
        existing=CONVERGED,
        provisioned=[LEAD_ARN],
        assignments=[LEADS_GROUP],
        extra_sets=[(old, "PartnerCentral-OldTeam")],
    )
    aws.sso_says("list_accounts_for_provisioned_permission_set", {"AccountIds": [TARGET]})
    aws.sso_says(
        "list_account_assignments",
        {"AccountAssignments": [{"PrincipalType": "GROUP", "PrincipalId": OTHER_GROUP}]},
        {"InstanceArn": INSTANCE, "AccountId": TARGET, "PermissionSetArn": old},
    )
    aws.sso_says(
        "delete_account_assignment",
        {"AccountAssignmentDeletionStatus": {"Status": "IN_PROGRESS", "RequestId": REQUEST_1}},
        {
            "InstanceArn": INSTANCE,
            "PermissionSetArn": old,
            "TargetId": TARGET,
            "TargetType": "AWS_ACCOUNT",
            "PrincipalType": "GROUP",
            "PrincipalId": OTHER_GROUP,
        },
    )
    aws.sso_says(
        "describe_account_assignment_deletion_status",
        {"AccountAssignmentDeletionStatus": {"Status": "SUCCEEDED", "RequestId": REQUEST_1}},
    )
    aws.sso_says("delete_permission_set", {}, {"InstanceArn": INSTANCE, "PermissionSetArn": old})

    changed, _results, diff, warnings, _found = converge(aws, [lead()], purge_permission_sets=True)

    assert changed and warnings == []
    assert aws.writes() == ["DeleteAccountAssignment", "DeletePermissionSet"]
    assert diff["after"]["PartnerCentral-OldTeam"] == {}


def test_a_session_duration_change_is_an_update_then_a_provisioning(aws):
    queue_reads(
        aws, existing={**CONVERGED, "session_duration": "PT1H"}, provisioned=[LEAD_ARN], assignments=[LEADS_GROUP]
    )
    aws.sso_says(
        "update_permission_set",
        {},
        {"InstanceArn": INSTANCE, "PermissionSetArn": LEAD_ARN, "SessionDuration": "PT4H"},
    )
    aws.sso_says("provision_permission_set", {"PermissionSetProvisioningStatus": {"Status": "SUCCEEDED"}})

    changed, _results, diff, _warnings, _found = converge(aws, [lead(session_duration="PT4H")])

    assert changed and aws.writes() == ["UpdatePermissionSet", "ProvisionPermissionSet"]
    assert diff["before"]["PartnerCentral-AllianceLead"]["session_duration"] == "PT1H"
    assert diff["after"]["PartnerCentral-AllianceLead"]["session_duration"] == "PT4H"


def test_a_group_that_does_not_exist_is_refused_after_the_reads_before_any_write(aws):
    queue_reads(aws, existing=None, groups={"pc-alliance-leads": None})

    with pytest.raises(PlanError) as refused:
        converge(aws, [lead()])

    assert aws.writes() == []
    assert "no group named 'pc-alliance-leads'" in refused.value.message and STORE in refused.value.message


def test_the_account_guard_runs_before_any_write(aws):
    queue_reads(aws, existing=None)

    def refuse(_state):
        raise ic.IdentityCenterError(message="wrong account")

    with pytest.raises(ic.IdentityCenterError, match="wrong account"):
        converge(aws, [lead()], guard=refuse)

    assert aws.writes() == []


def test_a_failed_provisioning_names_aws_reason(aws):
    queue_reads(aws, existing=CONVERGED, provisioned=[], groups={})
    aws.sso_says(
        "provision_permission_set",
        {"PermissionSetProvisioningStatus": {"Status": "FAILED", "FailureReason": "Policy quota exceeded"}},
    )

    with pytest.raises(ic.IdentityCenterError, match="Policy quota exceeded"):
        converge(aws, [lead(groups=None)])


def test_provisioning_still_running_from_an_earlier_attempt_is_waited_for_then_asked_again(aws):
    queue_reads(aws, existing=CONVERGED, provisioned=[], groups={})
    aws.sso_stub.add_client_error("provision_permission_set", "ConflictException", "provisioning in progress")
    aws.sso_says(
        "list_permission_set_provisioning_status",
        {"PermissionSetsProvisioningStatus": [{"RequestId": REQUEST_1, "Status": "IN_PROGRESS"}]},
        {"InstanceArn": INSTANCE, "Filter": {"Status": "IN_PROGRESS"}},
    )
    running = {"RequestId": REQUEST_1, "PermissionSetArn": LEAD_ARN, "AccountId": TARGET}
    for status in ("IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"):
        aws.sso_says(
            "describe_permission_set_provisioning_status",
            {"PermissionSetProvisioningStatus": {**running, "Status": status}},
        )
    aws.sso_says("provision_permission_set", {"PermissionSetProvisioningStatus": {"Status": "SUCCEEDED"}})

    changed, results, _diff, _warnings, _found = converge(aws, [lead(groups=None)])

    assert changed and results[0]["provisioned_to_target"]
    assert aws.writes() == ["ProvisionPermissionSet", "ProvisionPermissionSet"]


# --- waiting --------------------------------------------------------------------------


class Clock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self):
        return self.now


def test_the_wait_backs_off_and_is_bounded():
    clock = Clock()

    with pytest.raises(ic.IdentityCenterError) as timed_out:
        ic.wait_for_request(
            lambda: {"Status": "IN_PROGRESS", "RequestId": REQUEST_1},
            "Provisioning",
            timeout=60,
            delay=2,
            max_delay=16,
            sleep=clock.sleep,
            clock=clock,
        )

    assert clock.sleeps[:4] == [2, 4, 8, 16] and max(clock.sleeps) == 16
    assert sum(clock.sleeps) == 60
    assert REQUEST_1 in timed_out.value.message and "provisioning_timeout" in timed_out.value.message


def test_the_wait_returns_as_soon_as_the_request_succeeds():
    clock = Clock()
    answers = iter([{"Status": "IN_PROGRESS"}, {"Status": "SUCCEEDED"}])

    status = ic.wait_for_request(lambda: next(answers), "Provisioning", delay=2, sleep=clock.sleep, clock=clock)

    assert status["Status"] == "SUCCEEDED" and clock.sleeps == [2]


# --- the persona catalog as permission sets ----------------------------------------


def test_one_permission_set_per_enabled_persona_with_the_catalog_policies():
    sets = ic.persona_permission_sets(overrides={"Marketing": {"enabled": False}}, groups={"AllianceLead": ["leads"]})

    by_name = {s["name"]: s for s in sets}
    assert "PartnerCentral-Marketing" not in by_name
    assert len(sets) == 6
    lead_set = by_name["PartnerCentral-AllianceLead"]
    assert lead_set["managed_policies"] == ["AWSPartnerCentralFullAccess", "AWSMarketplaceSellerFullAccess"]
    assert lead_set["groups"] == ["leads"] and by_name["PartnerCentral-ReadOnly"]["groups"] is None
    assert lead_set["tags"] == TAGS and lead_set["session_duration"] == "PT1H"


def test_groups_for_a_persona_the_catalog_lacks_are_refused():
    with pytest.raises(PersonaError, match="AllianceLeed"):
        ic.persona_permission_sets(groups={"AllianceLeed": ["leads"]})


# --- records, read-only -------------------------------------------------------------


def by_id(found):
    assert all(records.record_problems(r) == [] for r in found)
    return {r["id"]: r for r in found}


def test_verify_reports_every_phase_5_item_verified_when_in_place(aws):
    queue_reads(aws, existing=CONVERGED, provisioned=[LEAD_ARN], assignments=[LEADS_GROUP])

    found = by_id(ic.verify_permission_sets(aws.sso, aws.ids, [lead()], TARGET))

    assert aws.writes() == []
    assert {k: v["status"] for k, v in found.items()} == {
        "identity_center.enabled": "verified",
        "identity_center.permission_sets": "verified",
        "identity_center.provisioned": "verified",
        "identity_center.assignments": "verified",
        "identity_center.test_users": "manual",
    }
    assert all(r["phase"] == "5" and r["account"] == TARGET for r in found.values())


def test_verify_fails_a_missing_policy_and_an_unprovisioned_set(aws):
    queue_reads(aws, existing={"policies": [FULL]}, provisioned=[], assignments=[])

    found = by_id(ic.verify_permission_sets(aws.sso, aws.ids, [lead()], TARGET))

    assert found["identity_center.permission_sets"]["status"] == "failed"
    assert "PartnerCentral-AllianceLead" in found["identity_center.permission_sets"]["evidence"]
    assert found["identity_center.provisioned"]["status"] == "failed"
    assert found["identity_center.assignments"]["status"] == "failed"


def test_the_outdated_sets_are_not_asked_when_no_declared_set_is_provisioned(aws):
    # Only a set the configuration does not declare is provisioned: which sets are outdated tells nothing here.
    other = ps_arn("dddddddddddddddd")
    queue_reads(aws, provisioned=[other], extra_sets=[(other, "PartnerCentral-OldTeam")], asks_outdated=False)

    found = by_id(ic.verify_permission_sets(aws.sso, aws.ids, [lead()], TARGET))

    assert aws.calls.count("ListPermissionSetsProvisionedToAccount") == 1
    assert found["identity_center.provisioned"]["status"] == "failed"


def test_verify_says_identity_center_is_not_enabled(aws):
    queue_instance(aws, instances=[])

    found = by_id(ic.verify_permission_sets(aws.sso, aws.ids, [lead()], TARGET))

    assert found["identity_center.enabled"]["status"] == "failed"
    assert "console" in found["identity_center.enabled"]["remedy"]
    assert found["identity_center.permission_sets"]["status"] == "unknown"


def test_verify_is_unknown_when_a_read_is_refused(aws):
    aws.sso_stub.add_client_error(
        "list_instances", "AccessDeniedException", "not authorized to perform sso:ListInstances"
    )

    found = by_id(ic.verify_permission_sets(aws.sso, aws.ids, [lead()], TARGET))

    assert {r["status"] for r in found.values()} == {"unknown"}
    assert "sso:ListInstances" in found["identity_center.enabled"]["evidence"]


def test_the_filter_refuses_a_persona_typo_naming_it():
    from ansible.errors import AnsibleFilterError

    from ansible_collections.diatonic.partnercentral.plugins.filter.identity_center import persona_permission_sets

    with pytest.raises(AnsibleFilterError, match="enabeld"):
        persona_permission_sets(None, {"Marketing": {"enabeld": False}})
    assert [s["name"] for s in persona_permission_sets(None, prefix="PC-")][0] == "PC-ACEManager"
