"""Partner Central's role rules: bad input is refused with what is wrong and how to fix it (no AWS)."""

import pytest

from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import partition_for_region
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_roles import policy_arn
from ansible_collections.diatonic.partnercentral.plugins.module_utils.partnercentral import desired_role
from ansible_collections.diatonic.partnercentral.plugins.module_utils.partnercentral import trust_policy
from ansible_collections.diatonic.partnercentral.plugins.module_utils.partnercentral import validate_role
from ansible_collections.diatonic.partnercentral.plugins.module_utils.partnercentral import validate_roles

NAME = "PartnerCentralRoleForAllianceLead"


def role(**options):
    return {"name": NAME, **options}


def test_a_role_within_every_rule_has_no_problem():
    assert (
        validate_role(
            role(
                path="/partnercentral/team-a/",
                max_session_duration=43200,
                description="d" * 1000,
                tags={f"k{i}": "v" * 256 for i in range(50)},
                managed_policies=[
                    "ReadOnlyAccess",
                    "service-role/AWSConfigRole",
                    "arn:aws:iam::aws:policy/AWSPartnerCentralFullAccess",
                    "arn:aws:iam::123456789012:policy/team/PartnerCentralExtra",
                    "arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess",
                ],
            )
        )
        == []
    )


# --- name --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["AllianceLead", "partnercentralroleforAllianceLead", "MyPartnerCentralRoleForX", ""])
def test_name_without_the_prefix_is_refused_with_an_example(name):
    (problem,) = validate_role({"name": name})
    assert "does not start with PartnerCentralRoleFor" in problem
    assert "PartnerCentralRoleForAllianceLead" in problem


def test_bare_prefix_needs_a_persona():
    (problem,) = validate_role({"name": "PartnerCentralRoleFor"})
    assert "needs a persona after PartnerCentralRoleFor" in problem


def test_name_of_64_characters_is_accepted_and_65_refused():
    assert validate_role({"name": "PartnerCentralRoleFor" + "X" * 43}) == []
    (problem,) = validate_role({"name": "PartnerCentralRoleFor" + "X" * 44})
    assert "at most 64" in problem


@pytest.mark.parametrize("name", ["PartnerCentralRoleFor Alliance", "PartnerCentralRoleFor/Alliance"])
def test_name_with_characters_iam_refuses(name):
    (problem,) = validate_role({"name": name})
    assert "+=,.@_-" in problem


@pytest.mark.parametrize(
    "options",
    [{"name": "PartnerCentralRoleForÉquipe"}, role(path="/équipe/"), role(managed_policies=["LectureSeuleÉ"])],
    ids=["name", "path", "policy name"],
)
def test_non_ascii_letters_iam_refuses_are_refused(options):
    assert len(validate_role(options)) == 1


# --- path, duration, description --------------------------------------------


@pytest.mark.parametrize("path", ["/", "/partnercentral/", "/a/b.c/", "/team~a/"])
def test_valid_paths(path):
    assert validate_role(role(path=path)) == []


@pytest.mark.parametrize(
    "path", ["partnercentral/", "/partnercentral", "//", "/with space/", "", "/" + "a" * 511 + "/"]
)
def test_invalid_path_is_refused(path):
    (problem,) = validate_role(role(path=path))
    assert NAME in problem
    assert "must begin and end with /" in problem


@pytest.mark.parametrize("duration", [3600, 43200])
def test_session_duration_bounds_are_accepted(duration):
    assert validate_role(role(max_session_duration=duration)) == []


@pytest.mark.parametrize("duration", [0, 3599, 43201])
def test_session_duration_outside_iam_bounds_is_refused(duration):
    (problem,) = validate_role(role(max_session_duration=duration))
    assert f"max_session_duration {duration} must be between 3600 and 43200" in problem


def test_description_over_1000_characters_is_refused():
    (problem,) = validate_role(role(description="d" * 1001))
    assert "1001 characters; IAM allows 1000" in problem


@pytest.mark.parametrize(
    "description", ["Alliance Lead \u2014 full access", "Lead \U0001f680"], ids=["em dash", "emoji"]
)
def test_description_with_characters_iam_refuses_is_refused(description):
    (problem,) = validate_role(role(description=description))
    assert "description" in problem


# --- tags --------------------------------------------------------------------


def test_more_than_50_tags_is_refused():
    (problem,) = validate_role(role(tags={f"k{i}": "v" for i in range(51)}))
    assert "51 tags given; IAM allows 50" in problem


@pytest.mark.parametrize(
    "tags",
    [{"": "v"}, {"k" * 129: "v"}, {"Owner": "v" * 257}],
    ids=["empty key", "key of 129", "value of 257"],
)
def test_tag_key_or_value_of_the_wrong_length_is_refused(tags):
    (problem,) = validate_role(role(tags=tags))
    assert "key of 1 to 128 and a value of at most 256" in problem


def test_tag_of_maximum_lengths_is_accepted():
    assert validate_role(role(tags={"k" * 128: "v" * 256})) == []


def test_tags_in_any_script_with_iams_punctuation_are_accepted():
    assert validate_role(role(tags={"Équipe 2": "Partner Central", "cost:center/id": "a_b.c=d+e-f@g", "空": ""})) == []


@pytest.mark.parametrize("key", ["aws:createdBy", "AWS:team"])
def test_tag_keys_aws_keeps_for_itself_are_refused(key):
    (problem,) = validate_role(role(tags={key: "x"}))
    assert "starts with aws:" in problem


@pytest.mark.parametrize("tags", [{"team#1": "x"}, {"team": "a\tb"}, {"team": "owner <me>"}], ids=["#", "tab", "<>"])
def test_tag_characters_iam_refuses_are_refused(tags):
    (problem,) = validate_role(role(tags=tags))
    assert "may hold only letters, digits, spaces and _.:/=+-@" in problem


# --- managed policies --------------------------------------------------------


@pytest.mark.parametrize(
    "policy",
    [
        "arn:aws:iam::aws:role/ReadOnlyAccess",
        "arn:aws:s3:::bucket",
        "arn:aws:iam::12345:policy/Short",
        "arn:aws:iam::aws:policy/",
    ],
)
def test_arn_that_is_not_a_managed_policy_is_refused(policy):
    (problem,) = validate_role(role(managed_policies=[policy]))
    assert repr(policy) in problem
    assert "is not an IAM managed policy ARN" in problem


@pytest.mark.parametrize("policy", ["Read Only Access", "ReadOnlyAccess/", "", "a:b"])
def test_policy_name_with_bad_characters_is_refused(policy):
    (problem,) = validate_role(role(managed_policies=[policy]))
    assert "is not a managed policy name" in problem


# --- several roles -----------------------------------------------------------


def test_every_problem_of_every_role_is_reported_at_once():
    problems = validate_roles(
        [
            {"name": "AllianceLead"},
            role(max_session_duration=60),
            {"name": "PartnerCentralRoleForReadOnly", "managed_policies": ["Read Only"]},
        ]
    )
    assert len(problems) == 3
    assert "AllianceLead" in problems[0]
    assert "max_session_duration 60" in problems[1]
    assert "Read Only" in problems[2]


def test_role_declared_twice_is_refused():
    problems = validate_roles([role(), {"name": "PartnerCentralRoleForReadOnly"}, role(description="again")])
    assert problems == [f"role {NAME} is declared more than once"]


# --- ARNs and the desired state ---------------------------------------------


@pytest.mark.parametrize(
    ("region", "partition"),
    [(None, "aws"), ("eu-west-1", "aws"), ("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")],
)
def test_partition_follows_the_region(region, partition):
    assert partition_for_region(region) == partition


@pytest.mark.parametrize(
    ("policy", "partition", "arn"),
    [
        ("ReadOnlyAccess", "aws", "arn:aws:iam::aws:policy/ReadOnlyAccess"),
        ("ReadOnlyAccess", "aws-cn", "arn:aws-cn:iam::aws:policy/ReadOnlyAccess"),
        ("service-role/AWSConfigRole", "aws-us-gov", "arn:aws-us-gov:iam::aws:policy/service-role/AWSConfigRole"),
        (
            "arn:aws:iam::123456789012:policy/Custom",
            "aws-cn",
            "arn:aws:iam::123456789012:policy/Custom",
        ),
    ],
)
def test_policy_names_become_aws_managed_arns_and_arns_stay(policy, partition, arn):
    assert policy_arn(policy, partition) == arn


def test_desired_role_always_trusts_only_the_partner_central_service():
    desired = desired_role({"name": NAME, "managed_policies": ["ReadOnlyAccess"]}, "aws")

    assert desired["trust_policy"] == trust_policy()
    (statement,) = desired["trust_policy"]["Statement"]
    assert statement == {
        "Effect": "Allow",
        "Principal": {"Service": "partnercentral-account-management.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }


def test_desired_role_resolves_sorts_and_deduplicates_policies():
    desired = desired_role(
        {
            "name": NAME,
            "managed_policies": [
                "ReadOnlyAccess",
                "arn:aws:iam::aws:policy/ReadOnlyAccess",
                "AWSPartnerCentralFullAccess",
            ],
        },
        "aws",
    )
    assert desired["managed_policies"] == [
        "arn:aws:iam::aws:policy/AWSPartnerCentralFullAccess",
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
    ]


def test_desired_role_leaves_options_not_given_as_none():
    desired = desired_role({"name": NAME}, "aws")

    assert desired == {
        "name": NAME,
        "state": "present",
        "trust_policy": trust_policy(),
        "managed_policies": None,
        # Partner Central roles declare no inline policy: any found is drift.
        "inline_policies": {},
        "description": None,
        "path": None,
        "max_session_duration": None,
        "tags": None,
    }


def test_desired_role_keeps_an_empty_policy_list_as_detach_nothing_attach_nothing():
    # [] declares "no policies" (extras are then reported or purged), unlike None which leaves them alone.
    assert desired_role({"name": NAME, "managed_policies": []}, "aws")["managed_policies"] == []
