"""cross_account: the external ID is never shown, neither the one given nor another found on the role."""

import pytest

from ansible_collections.diatonic.partnercentral.plugins.module_utils.cross_account import MASK
from ansible_collections.diatonic.partnercentral.plugins.module_utils.cross_account import OTHER_MASK
from ansible_collections.diatonic.partnercentral.plugins.module_utils.cross_account import problems
from ansible_collections.diatonic.partnercentral.plugins.module_utils.cross_account import redactor
from ansible_collections.diatonic.partnercentral.plugins.module_utils.cross_account import trust_policy

SECRET = "ext-Secret-4242"
OLD = "ext-Old-0001"


def view(external_id):
    return {"trust_policy": trust_policy("aws", "999988887777", external_id), "managed_policies": []}


def test_the_given_and_an_old_external_id_are_masked_differently_and_nothing_else_changes():
    redact = redactor(SECRET)

    before, after = redact(view(OLD)), redact(view(SECRET))

    assert before["trust_policy"]["Statement"][0]["Condition"] == {"StringEquals": {"sts:ExternalId": OTHER_MASK}}
    assert after["trust_policy"]["Statement"][0]["Condition"] == {"StringEquals": {"sts:ExternalId": MASK}}
    assert after["trust_policy"]["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::999988887777:root"}
    assert SECRET not in repr(after) and OLD not in repr(before)
    assert view(SECRET)["trust_policy"]["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"] == SECRET


def test_a_list_of_external_ids_and_an_empty_view_are_handled():
    redact = redactor(SECRET)
    document = {"Statement": [{"Condition": {"StringEquals": {"sts:ExternalId": [SECRET, OLD]}}}]}
    assert redact({"trust_policy": document})["trust_policy"]["Statement"][0]["Condition"]["StringEquals"] == {
        "sts:ExternalId": [MASK, OTHER_MASK]
    }
    assert redact({}) == {}


def test_a_bad_external_id_is_refused_without_echoing_it():
    params = {
        "name": "doitintl_cmp",
        "state": "present",
        "trusted_account_id": "999988887777",
        "external_id": "not valid!",
        "inline_policies": None,
    }
    found = problems(params)
    assert found == ["external_id must be 2 to 1224 letters, digits or +=,.@:/- characters"]


def test_a_bad_inline_policy_is_refused_with_the_options():
    params = {
        "name": "doitintl_cmp",
        "state": "present",
        "trusted_account_id": "999988887777",
        "external_id": SECRET,
        "inline_policies": {"doitintl_cmp": '{"Version": "2012-10-17", "Statement": [{"Effect": "Alow"}]}'},
    }
    found = problems(params)
    assert any("statement 1 has Effect 'Alow'" in p for p in found)
    assert any("has no Action" in p for p in found)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"trusted_account_id": "99998888777"}, "trusted_account_id must be the trusted AWS account's 12-digit ID"),
        ({"trusted_account_id": None}, "trusted_account_id must be"),
        ({"external_id": "x"}, "external_id must be 2 to 1224"),
        ({"external_id": None}, "external_id must be 2 to 1224"),
        ({"name": "doit cmp"}, "must be at most 64 letters"),
        ({"name": ""}, "name must not be empty"),
        ({"inline_policies": {"bad name": {}}}, "inline policy name 'bad name'"),
    ],
    ids=[
        "short account ID",
        "no account ID",
        "short external ID",
        "no external ID",
        "bad name",
        "empty name",
        "policy name",
    ],
)
def test_bad_options_are_refused(options, message):
    params = {
        "name": "doitintl_cmp",
        "state": "present",
        "trusted_account_id": "999988887777",
        "external_id": SECRET,
        "inline_policies": None,
        **options,
    }
    assert any(message in problem for problem in problems(params)), problems(params)


def test_absent_needs_no_trust_options():
    assert problems({"name": "doitintl_cmp", "state": "absent", "trusted_account_id": None, "external_id": None}) == []
