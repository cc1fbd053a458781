"""playbooks/doit_onboarding.yml when a call keeps failing: the run ends naming the call and the resource, never a
traceback, never the external ID (faults_support; split from test_faults_doit.py)."""

import pytest
from faults_support import few_attempts_env
from test_doit_onboarding import doit_vars
from test_doit_onboarding import onboard
from test_doit_onboarding import own_roles


@pytest.mark.parametrize(
    "operation, words",
    [("PutRolePolicy", ["put", "doitintl_cmp_"]), ("PutReportDefinition", ["report", "doitintl-awsops-"])],
)
def test_a_doit_call_that_keeps_failing_ends_the_run_naming_the_call_and_the_resource(
    sandbox, new_org, faults, operation, words
):
    org = new_org(members=0)
    extra_vars = doit_vars()
    extra_vars.update(own_roles(extra_vars))
    faults(server_error=1.0, operations=[operation])

    run = onboard(org, extra_vars, env=few_attempts_env(sandbox))

    assert not run.ok, run.log
    message = " ".join(run.failure_messages())
    assert all(word.lower() in message.lower() for word in words), run.log
    assert "InternalFailure" in message, run.log
    assert "Traceback" not in run.output, run.log
    assert extra_vars["doit_onboarding_external_id"] not in run.output
