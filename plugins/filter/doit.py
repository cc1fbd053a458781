# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the doit_onboarding role computes, as filters; the logic is in module_utils/doit.py.

Each filter is documented in the YAML file of its name next to this one (ansible-doc -t filter).
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.diatonic.partnercentral.plugins.module_utils import doit


def _mapping(value, what):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise AnsibleFilterError(f"{what} must be a dict, not {type(value).__name__}")
    return value


def doit_problems(settings, external_id=None, account_id=None):
    """Every problem with the doit_onboarding variables, each naming the variable; [] when they are right."""
    return doit.variable_problems(_mapping(settings, "doit_problems' input"), external_id, account_id)


def doit_managed_policies(settings):
    """Every managed policy the doit_onboarding role attaches, once each."""
    return doit.managed_policies_named(_mapping(settings, "doit_managed_policies' input"))


def doit_bucket_plan(bucket_info, name, region, tags=None, purge_tags=False):
    """What amazon.aws.s3_bucket would change on the report bucket, one sentence per change."""
    return doit.bucket_plan(_mapping(bucket_info, "doit_bucket_plan's input"), name, region, tags, bool(purge_tags))


def doit_result(observed):
    """The onboarding checklist's records for one account and what the run changed."""
    return doit.onboarding_result(_mapping(observed, "doit_result's input"))


def doit_report(results, generated_at, check_mode, hosts=None):
    """The JSON report of every account's doit_result, in the shape of schemas/report-1.json."""
    if not isinstance(results, list):
        raise AnsibleFilterError(
            f"doit_report's input must be a list of doit_result values, not {type(results).__name__}"
        )
    return doit.report(results, generated_at, bool(check_mode), _mapping(hosts, "doit_report's hosts"))


class FilterModule:
    def filters(self):
        return {
            "doit_problems": doit_problems,
            "doit_managed_policies": doit_managed_policies,
            "doit_bucket_plan": doit_bucket_plan,
            "doit_result": doit_result,
            "doit_report": doit_report,
        }
