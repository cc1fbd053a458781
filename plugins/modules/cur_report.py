#!/usr/bin/python

# Copyright: Contributors to the diatonic.partnercentral collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cur_report
short_description: Manage an AWS Cost and Usage Report definition
version_added: 0.1.0
description:
  - Creates, modifies or deletes a legacy AWS Cost and Usage Report (CUR) definition, with every field of the
    definition and its tags.
  - The Cost and Usage Report API only exists in C(us-east-1) (C(cn-northwest-1) in the China partition). The module
    always calls it there, whatever O(region) says; O(region) still selects the partition and the other clients.
    The report's bucket can be in any region (O(s3_region)).
  - AWS answers most invalid definitions with an empty C(ValidationException). The module checks, before calling
    AWS, the combinations AWS rejects and says which field to change. Parquet reports need Parquet compression,
    and text reports need C(GZIP) or C(ZIP); the C(ATHENA) artifact stands alone and needs Parquet,
    C(OVERWRITE_REPORT) and a prefix; C(REDSHIFT) and C(QUICKSIGHT) need C(textORcsv).
  - Options that are not given are left as they are on an existing report. A new report takes the defaults
    listed under each option; O(time_unit) and O(s3_bucket) are needed to create one.
  - AWS refuses to save a report whose bucket policy does not let the billing reports service write to the
    bucket. With O(manage_bucket_policy=true) the module merges the statements AWS documents for this into the
    bucket policy before it saves the report. Statements are merged by C(Sid); the rest of the policy is kept.
  - The bucket itself (existence, public access block, encryption) is best managed with
    M(amazon.aws.s3_bucket), without its O(amazon.aws.s3_bucket#module:policy) option, which would replace the
    whole policy.
author:
  - Diatonic platform engineering (@diatonic)
options:
  name:
    description:
      - Name of the report, unique in the account, case sensitive.
      - Up to 256 letters, digits and C(!-_.*'()) characters; no spaces. A report cannot be renamed.
    type: str
    required: true
    aliases: [report_name]
  state:
    description:
      - V(present) creates or modifies the report, V(absent) deletes it.
      - Deleting a report leaves its bucket, the bucket policy and the delivered files alone.
    type: str
    default: present
    choices: [present, absent]
  time_unit:
    description:
      - Granularity of the report's line items. Needed to create a report.
    type: str
    choices: [HOURLY, DAILY, MONTHLY]
  format:
    description:
      - Format of the report files. Defaults to V(textORcsv) for a new report.
    type: str
    choices: [textORcsv, Parquet]
  compression:
    description:
      - Compression of the report files. V(Parquet) goes with O(format=Parquet) only, V(GZIP) and V(ZIP) with
        O(format=textORcsv) only.
      - Defaults for a new report to V(Parquet) for Parquet reports and V(GZIP) otherwise.
    type: str
    choices: [ZIP, GZIP, Parquet]
  additional_schema_elements:
    description:
      - Extra columns. V(RESOURCES) adds resource IDs, V(SPLIT_COST_ALLOCATION_DATA) split cost allocation data
        (for example for ECS tasks), V(MANUAL_DISCOUNT_COMPATIBILITY) the manual discount columns.
      - Compared as a set. Defaults to none for a new report.
    type: list
    elements: str
    choices: [RESOURCES, SPLIT_COST_ALLOCATION_DATA, MANUAL_DISCOUNT_COMPATIBILITY]
  additional_artifacts:
    description:
      - Integration manifests AWS delivers with the report. V(ATHENA) cannot be combined with the others and needs
        O(format=Parquet), O(report_versioning=OVERWRITE_REPORT) and an O(s3_prefix); V(REDSHIFT) and V(QUICKSIGHT)
        need O(format=textORcsv).
      - Compared as a set. V([]) removes them all. Defaults to none for a new report.
    type: list
    elements: str
    choices: [REDSHIFT, QUICKSIGHT, ATHENA]
  refresh_closed_reports:
    description:
      - Update reports of closed months when AWS finds late charges, refunds or credits for them.
        Defaults to V(true) for a new report.
    type: bool
  report_versioning:
    description:
      - V(CREATE_NEW_REPORT) delivers each update as a new version; V(OVERWRITE_REPORT) replaces the previous one.
        Defaults to V(CREATE_NEW_REPORT) for a new report.
    type: str
    choices: [CREATE_NEW_REPORT, OVERWRITE_REPORT]
  s3_bucket:
    description:
      - Bucket AWS delivers the report to. It must belong to the same account, and its policy must let
        C(billingreports.amazonaws.com) write to it (see O(manage_bucket_policy)). Needed to create a report.
    type: str
  s3_prefix:
    description:
      - Path prefix of the report files in the bucket. Up to 256 letters, digits and C(!-_.*'()/) characters; no
        spaces. Defaults to no prefix for a new report.
    type: str
  s3_region:
    description:
      - Region of O(s3_bucket). Defaults to V(us-east-1) for a new report.
    type: str
  billing_view_arn:
    description:
      - ARN of an AWS Billing Conductor billing view, for a report of one billing group, such as
        V(arn:aws:billing::111122223333:billingview/444455556666). Left as it is when not given.
    type: str
  manage_bucket_policy:
    description:
      - Merge into the policy of O(s3_bucket) the two statements that let C(billingreports.amazonaws.com) read the
        bucket's ACL and policy and write report files, only for this account's report definitions (conditions on
        C(aws:SourceAccount) and C(aws:SourceArn)). Their Sids are C(AllowBillingReportsBucketCheck) and
        C(AllowBillingReportsDelivery); statements with other Sids are kept as they are.
      - The bucket must exist. In check mode a missing bucket is reported as a warning, so that a play that
        creates the bucket first can be checked as a whole.
    type: bool
    default: false
  tags:
    description:
      - Tags the report must have. When not given, the report's tags are left as they are.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description:
      - Remove tags that are on the report but not in O(tags).
      - Unlike most amazon.aws modules this defaults to V(false), as the collection never removes what it did not
        declare unless asked.
    type: bool
    default: false
notes:
  - Supports check mode and diff mode. The diff shows the report definition and its tags before and after, and the
    bucket policy when O(manage_bucket_policy=true) changes it.
  - With O(expected_account_id), the module refuses before any write (in check mode too) when the credentials act in
    another account; it calls C(sts:GetCallerIdentity) in any case, for the report's ARN and the bucket policy.
  - Every read is retried with jittered back-off when AWS throttles or fails for a moment.
  - AWS may refuse to change some fields of an existing report; its error is reported as is. Delete the report
    (O(state=absent)) and create it again to change them.
  - Uses C(cur:DescribeReportDefinitions), C(cur:ListTagsForResource), C(cur:PutReportDefinition),
    C(cur:ModifyReportDefinition), C(cur:DeleteReportDefinition), C(cur:TagResource), C(cur:UntagResource),
    C(sts:GetCallerIdentity), and with O(manage_bucket_policy=true) C(s3:GetBucketPolicy) and C(s3:PutBucketPolicy).
extends_documentation_fragment:
  - diatonic.partnercentral.account
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Hourly CSV report with resource IDs, and the bucket policy that lets AWS deliver it
  diatonic.partnercentral.cur_report:
    name: doitintl-awsops-123
    time_unit: HOURLY
    format: textORcsv
    compression: GZIP
    additional_schema_elements: [RESOURCES]
    refresh_closed_reports: true
    report_versioning: CREATE_NEW_REPORT
    s3_bucket: doitintl-awsops-123
    s3_prefix: cur
    s3_region: us-east-1
    manage_bucket_policy: true
    expected_account_id: "{{ aws_account_id }}"

- name: Parquet report for Athena
  diatonic.partnercentral.cur_report:
    name: athena-cur
    time_unit: DAILY
    format: Parquet
    compression: Parquet
    additional_artifacts: [ATHENA]
    report_versioning: OVERWRITE_REPORT
    s3_bucket: example-cur-bucket
    s3_prefix: athena
    s3_region: eu-west-1

- name: Only switch an existing report to daily line items; everything else stays
  diatonic.partnercentral.cur_report:
    name: doitintl-awsops-123
    time_unit: DAILY

- name: Delete a report
  diatonic.partnercentral.cur_report:
    name: old-report
    state: absent
"""

RETURN = r"""
report:
  description: The report definition after the run (as it would be, in check mode); only name and arn after deletion.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the report.
      type: str
      sample: doitintl-awsops-123
    arn:
      description: ARN of the report definition; null after deletion.
      type: str
      sample: arn:aws:cur:us-east-1:123456789012:definition/doitintl-awsops-123
    time_unit:
      description: Granularity of the line items.
      type: str
      sample: HOURLY
    format:
      description: Format of the report files.
      type: str
      sample: textORcsv
    compression:
      description: Compression of the report files.
      type: str
      sample: GZIP
    additional_schema_elements:
      description: Extra columns, sorted.
      type: list
      elements: str
      sample: [RESOURCES]
    additional_artifacts:
      description: Integration manifests, sorted.
      type: list
      elements: str
      sample: []
    refresh_closed_reports:
      description: Whether closed months are refreshed.
      type: bool
      sample: true
    report_versioning:
      description: Versioning of the report files.
      type: str
      sample: CREATE_NEW_REPORT
    s3_bucket:
      description: Bucket of the report.
      type: str
      sample: doitintl-awsops-123
    s3_prefix:
      description: Path prefix of the report files.
      type: str
      sample: cur
    s3_region:
      description: Region of the bucket.
      type: str
      sample: us-east-1
    billing_view_arn:
      description: Billing view of the report, when it has one.
      type: str
      returned: when the report has one
    tags:
      description: Tags of the report.
      type: dict
      sample: {ManagedBy: diatonic.partnercentral}
delivery:
  description:
    - The report's last delivery, as C(cur:DescribeReportDefinitions) reported it before this run's writes; null
      when the report did not exist.
  returned: always
  type: dict
  contains:
    last_delivery:
      description: When AWS last delivered the report (AWS's format, C(YYYYMMDDTHHMMSSZ)); null before the first.
      type: str
      sample: 20261125T013045Z
    last_status:
      description: V(SUCCESS), V(ERROR_PERMISSIONS) or V(ERROR_NO_BUCKET); null before the first delivery.
      type: str
      sample: SUCCESS
bucket_policy:
  description:
    - The bucket policy with the billing reports statements merged in.
    - Null unless O(manage_bucket_policy=true).
  returned: always
  type: dict
  contains:
    bucket:
      description: Name of the bucket.
      type: str
      sample: doitintl-awsops-123
    changed:
      description: Whether the policy was (or in check mode would be) changed.
      type: bool
    policy:
      description: The whole bucket policy after the run.
      type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import EXPECTED_ACCOUNT_OPTIONS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import account_for_module
from ansible_collections.diatonic.partnercentral.plugins.module_utils.accounts import account_id_problem
from ansible_collections.diatonic.partnercentral.plugins.module_utils.cur import ARTIFACTS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.cur import COMPRESSIONS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.cur import FIELDS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.cur import FORMATS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.cur import SCHEMA_ELEMENTS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.cur import TIME_UNITS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.cur import VERSIONINGS
from ansible_collections.diatonic.partnercentral.plugins.module_utils.cur import combination_problems
from ansible_collections.diatonic.partnercentral.plugins.module_utils.cur import converge_report
from ansible_collections.diatonic.partnercentral.plugins.module_utils.cur import cur_region
from ansible_collections.diatonic.partnercentral.plugins.module_utils.cur import s3_regions
from ansible_collections.diatonic.partnercentral.plugins.module_utils.cur import validate_options
from ansible_collections.diatonic.partnercentral.plugins.module_utils.retrying import backoff


def main():
    argument_spec = dict(
        name=dict(type="str", required=True, aliases=["report_name"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        time_unit=dict(type="str", choices=TIME_UNITS),
        format=dict(type="str", choices=FORMATS),
        compression=dict(type="str", choices=COMPRESSIONS),
        additional_schema_elements=dict(type="list", elements="str", choices=SCHEMA_ELEMENTS),
        additional_artifacts=dict(type="list", elements="str", choices=ARTIFACTS),
        refresh_closed_reports=dict(type="bool"),
        report_versioning=dict(type="str", choices=VERSIONINGS),
        s3_bucket=dict(type="str"),
        s3_prefix=dict(type="str"),
        s3_region=dict(type="str"),
        billing_view_arn=dict(type="str"),
        manage_bucket_policy=dict(type="bool", default=False),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=False),
        **EXPECTED_ACCOUNT_OPTIONS,
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    options = {key: module.params[key] for key in ("name", "tags", *FIELDS)}

    problems = validate_options(options, known_regions=s3_regions())
    if module.params["state"] == "present":
        problems.extend(combination_problems(options))
    problems.extend(p for p in [account_id_problem(module.params["expected_account_id"])] if p)
    if problems:
        message = "Invalid report definition, nothing was changed: " + "; ".join(problems)
        module.fail_json(msg=message, problems=problems)

    region = cur_region(module.region)
    try:
        result = converge_report(
            module.client("cur", region=region, retry_decorator=backoff()),
            options,
            account_for_module(module),
            s3_client=lambda bucket_region: module.client("s3", region=bucket_region, retry_decorator=backoff()),
            manage_bucket_policy=module.params["manage_bucket_policy"],
            purge_tags=module.params["purge_tags"],
            state=module.params["state"],
            check_mode=module.check_mode,
            expected_account_id=module.params["expected_account_id"],
            region=region,
        )
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)

    for warning in result["warnings"]:
        module.warn(warning)
    module.exit_json(
        changed=result["changed"],
        report=result["report"],
        bucket_policy=result["bucket_policy"],
        delivery=result["delivery"],
        diff=result["diff"],
    )


if __name__ == "__main__":
    main()
