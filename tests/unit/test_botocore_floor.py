"""A botocore older than an API the collection calls gets a clear failure before any AWS call, not a crash.

requirements.txt's botocore floor is older than the Free Tier API's GetAccountPlanState (botocore 1.39.4), which
org_member_check calls to read the account plan.
"""

import json

import botocore
import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.diatonic.partnercentral.plugins.modules import org_member_check


class ReachedAWS(Exception):
    """Raised by the stand-in clients on their first use: the module got as far as calling AWS."""


class NoAWS:
    def __getattr__(self, name):
        raise ReachedAWS(name)


def run_org_member_check(monkeypatch, botocore_version, services):
    """Run the module, noting in ``services`` what it asks clients for; it exits (SystemExit) or stops at its
    first AWS call (ReachedAWS)."""
    monkeypatch.setattr(botocore, "__version__", botocore_version)

    def client(self, service, **kwargs):
        services.append(service)
        return NoAWS()

    monkeypatch.setattr(AnsibleAWSModule, "client", client)
    with patch_module_args({"region": "us-east-1"}):
        org_member_check.main()


def test_a_botocore_without_the_plan_api_fails_naming_the_version_it_needs_before_any_call(monkeypatch, capsys):
    services = []
    with pytest.raises(SystemExit):
        run_org_member_check(monkeypatch, "1.39.3", services)

    result = json.loads(capsys.readouterr().out)
    assert result["failed"]
    assert "botocore>=1.39.4" in result["msg"] and "GetAccountPlanState" in result["msg"], result["msg"]
    assert services == []


def test_the_first_botocore_with_the_plan_api_goes_on_to_call_aws(monkeypatch):
    services = []
    with pytest.raises(ReachedAWS):
        run_org_member_check(monkeypatch, "1.39.4", services)

    assert "freetier" in services
