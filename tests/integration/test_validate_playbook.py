"""playbooks/validate.yml against the sandbox: it verifies, it never writes.

One organization is set up the way it is found after the migration went partly wrong: the seven persona roles
made, one of their policies removed behind the collection's back, the account linked (AWS's cloud admin role is
there, Partner Central knows the partner), and a user refused when Partner Central tried to assume a persona role.
One run of validate.yml serves every assertion on it; its modules, in check mode and in-process, then go through
injected throttling and server errors. test_validate_least_privilege.py runs it with only its policy.
"""

from __future__ import annotations

import json

import jsonschema
import pytest
from faults_support import BUSY_AWS
from faults_support import injected
from integration_support import PERSONA_POLICIES
from integration_support import account_env
from integration_support import aws_policy_arn
from integration_support import make_org
from integration_support import write_calls
from standin_support import partner_id
from validate_support import CLOUD_ADMIN
from validate_support import DRIFTED_ROLE
from validate_support import REFUSED_ROLE
from validate_support import SCHEMA
from validate_support import Validated
from validate_support import refuse_assume_role
from validate_support import set_up_the_migrated_account
from validate_support import statuses
from validate_support import validate
from validate_support import validation_records


@pytest.fixture(scope="module")
def validated(sandbox, tmp_path_factory):
    org = make_org(sandbox, tmp_path_factory.mktemp("migrated"), members=0)
    set_up_the_migrated_account(org)
    refuse_assume_role(org, REFUSED_ROLE)
    sandbox.reset_calls()
    run, report = validate(org)
    return Validated(org, run, sandbox.calls(), report)


def test_validate_runs_and_changes_nothing(validated):
    assert validated.run.ok, validated.run.log
    assert validated.run.changed == 0, validated.run.log
    assert write_calls(validated.calls) == [], write_calls(validated.calls)
    # It did read the account it verifies.
    assert {c["account_id"] for c in validated.calls} >= {validated.org.partnercentral}


def test_whose_credentials_these_are_is_asked_once_and_no_module_asks_again(validated):
    org = validated.org

    # The management account's own credentials are proven with one GetCallerIdentity, the Partner Central account's
    # role is assumed (its answer names the account): the modules take that proof (caller_arn) instead of asking.
    sts = [(c["operation"], c["account_id"]) for c in validated.calls if c["service"] == "sts"]
    assert sorted(sts) == [("AssumeRole", org.management), ("GetCallerIdentity", org.management)], sts


def test_the_report_validates_against_the_shipped_schema(validated):
    with open(SCHEMA) as handle:
        jsonschema.validate(validated.report, json.load(handle))
    assert validated.report["playbook"] == "validation"


def test_a_persona_policy_removed_behind_its_back_fails_naming_the_role_and_the_policy(validated):
    record = validated.record("validation.persona_policies")

    assert record["status"] == "failed" and record["blocking"], record
    assert record["evidence"] == f"{DRIFTED_ROLE} lacks {aws_policy_arn('ReadOnlyAccess')}"
    assert "personas.yml" in record["remedy"]
    assert validated.record("validation.persona_roles")["status"] == "verified"
    # The role ARNs are the evidence a person files (checklist: "Role ARNs documented").
    for name in PERSONA_POLICIES:
        assert (
            f"arn:aws:iam::{validated.org.partnercentral}:role/{name}"
            in validated.record("validation.persona_roles")["evidence"]
        )


def test_a_denied_assume_role_is_found_with_the_role_as_evidence(validated):
    record = validated.record("validation.assume_role_denials")

    assert record["status"] == "failed", record
    assert "1 denied AssumeRole" in record["evidence"] and REFUSED_ROLE in record["evidence"]
    assert "AccessDenied" in record["evidence"]


def test_the_linking_evidence_is_read_from_iam_and_partner_central(validated):
    assert validated.record("linking.cloud_admin_role")["status"] == "verified"
    assert CLOUD_ADMIN in validated.record("linking.cloud_admin_role")["evidence"]
    partner = validated.record("linking.partner")
    assert partner["status"] == "verified"
    assert partner_id(validated.org.partnercentral) in partner["evidence"] and "Diatonic AI" in partner["evidence"]
    assert validated.record("linking.alliance_lead")["status"] == "verified"
    assert validated.record("linking.confirmation")["status"] == "manual"


def test_the_account_is_not_ready_and_the_summary_says_why(validated):
    (account,) = [a for a in validated.report["accounts"] if a["account"] == validated.org.partnercentral]
    assert account["verdict"] == "not_ready"
    assert "NOT READY" in validated.run.stdout and f"{DRIFTED_ROLE} lacks" in validated.run.stdout


def test_under_throttling_and_server_errors_check_mode_gives_the_same_records(validated, faults):
    """The validation role's three modules, in check mode and in-process (module_in_process.py), through injected
    throttling and server errors: the same records as the playbook's calm run."""
    org = validated.org
    env = account_env(org.sandbox, org.partnercentral)
    faults(seed=41, **BUSY_AWS)
    org.sandbox.reset_calls()

    busy = validation_records(org.partnercentral, env, check_mode=True)

    assert injected(org.sandbox).get("throttle"), "no fault was injected: the test proves nothing"
    assert write_calls(org.sandbox.calls()) == []
    calm = statuses(validated.report, org.partnercentral)
    expected = {i: s for i, s in calm.items() if not i.startswith("identity_center.")}
    assert {r["id"]: r["status"] for r in busy} == expected
