"""IAM's policy grammar (iam_policies): every problem found before any AWS call, naming the policy and statement."""

import json

import pytest

from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_policies import document_size
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_policies import inline_policy_name_problem
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_policies import policy_document_problems
from ansible_collections.diatonic.partnercentral.plugins.module_utils.iam_policies import policy_reference_problem

LABEL = "doitintl_cmp: inline policy doitintl_cmp"
GOOD = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Billing", "Effect": "Allow", "Action": ["ce:Get*", "cur:Describe*"], "Resource": "*"},
        {"Effect": "Deny", "NotAction": "iam:*", "NotResource": ["arn:aws:s3:::bucket"]},
    ],
}
TRUST = {
    "Version": "2012-10-17",
    "Statement": {
        "Effect": "Allow",
        "Principal": {"Service": "partnercentral-account-management.amazonaws.com"},
        "Action": "sts:AssumeRole",
    },
}


def with_statement(**statement):
    return {"Version": "2012-10-17", "Statement": [statement]}


def test_a_valid_document_as_dict_or_json_text_has_no_problem():
    assert policy_document_problems(GOOD, LABEL) == []
    assert policy_document_problems(json.dumps(GOOD), LABEL) == []
    assert policy_document_problems(TRUST, "trust policy", kind="trust") == []


def test_a_misspelt_effect_is_refused_naming_the_statement():
    document = with_statement(Sid="Billing", Effect="Alow", Action="ce:Get*", Resource="*")

    (problem,) = policy_document_problems(document, LABEL)

    assert problem.startswith(f"{LABEL} statement 1 (Billing)")
    assert "'Alow'" in problem and "Allow or Deny" in problem


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("{not json", "is not valid JSON"),
        (["Statement"], "must be a policy document"),
        ({"Statement": GOOD["Statement"]}, "has no Version"),
        ({"Version": "2012-10-18", "Statement": GOOD["Statement"]}, "Version '2012-10-18'"),
        ({"Version": "2012-10-17"}, "needs a Statement"),
        ({"Version": "2012-10-17", "Statement": []}, "needs a Statement"),
        ({"Version": "2012-10-17", "Statement": "Allow"}, "needs a Statement"),
        ({"Version": "2012-10-17", "Statment": [], "Statement": GOOD["Statement"]}, "keys IAM does not know: Statment"),
        (with_statement(Action="s3:*", Resource="*"), "has no Effect"),
        (with_statement(Effect="Allow", Resource="*"), "has no Action (or NotAction)"),
        (with_statement(Effect="Allow", Action="s3:*"), "has no Resource (or NotResource)"),
        (with_statement(Effect="Allow", Action="s3:*", NotAction="s3:Get*", Resource="*"), "both Action and NotAction"),
        (with_statement(Effect="Allow", Action=[], Resource="*"), "Action must be a string or a list of strings"),
        (with_statement(Effect="Allow", Action="s3:*", Resource="*", Principal="*"), "names no Principal"),
        (with_statement(Effect="Allow", Action="s3:*", Resources="*"), "keys IAM does not know: Resources"),
        (with_statement(Effect="Allow", Action="s3:*", Resource="*", Condition="x"), "Condition must be a dict"),
        ({"Version": "2012-10-17", "Statement": ["Allow"]}, "statement 1 must be a dict"),
    ],
)
def test_each_grammar_rule_is_explained(document, expected):
    problems = policy_document_problems(document, LABEL)
    assert any(problem.startswith(LABEL) and expected in problem for problem in problems), problems


def test_a_trust_policy_needs_a_principal_and_no_resource():
    document = with_statement(Effect="Allow", Action="sts:AssumeRole", Resource="*")

    problems = policy_document_problems(document, "trust policy", kind="trust")

    assert any("has no Principal (or NotPrincipal)" in p for p in problems)
    assert any("names no Resource" in p for p in problems)


def test_every_statement_is_checked_not_only_the_first():
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Permit", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Allow", "Resource": "*"},
        ],
    }
    problems = policy_document_problems(document, LABEL)
    assert len(problems) == 2
    assert "statement 2" in problems[0] and "statement 3" in problems[1]


@pytest.mark.parametrize("name", ["doitintl_cmp", "a+b=c,d.e@f-g", "x" * 128])
def test_inline_policy_names_iam_accepts(name):
    assert inline_policy_name_problem(name) is None


@pytest.mark.parametrize("name", ["", "has space", "x" * 129, "caf\u00e9", "path/name"])
def test_inline_policy_names_iam_refuses(name):
    assert "must be 1 to 128" in inline_policy_name_problem(name)


@pytest.mark.parametrize("reference", ["ReadOnlyAccess", "service-role/AWSConfigRole", "arn:aws:iam::aws:policy/X"])
def test_managed_policy_references_iam_accepts(reference):
    assert policy_reference_problem(reference) is None


@pytest.mark.parametrize("reference", ["Read Only", "Acc\u00e8s", "arn:aws:iam::12:policy/X", "arn:aws:s3:::bucket"])
def test_managed_policy_references_iam_refuses_non_ascii_included(reference):
    assert policy_reference_problem(reference) is not None


def test_document_size_ignores_white_space():
    assert document_size(json.loads(json.dumps(GOOD, indent=4))) == len(json.dumps(GOOD, separators=(",", ":")))
