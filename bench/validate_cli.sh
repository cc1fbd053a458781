#!/usr/bin/env bash
# The checks of playbooks/validate.yml (checklist phase 8) done the runbook's way, with the AWS CLI: from the
# management account, the Identity Center permission sets and what is provisioned to the Partner Central
# account; in the Partner Central account, the persona roles and their policies, the account linking (the
# CloudAdmin role, ListPartners) and CloudTrail's AssumeRole events of the last 24 hours. Used by
# bench/org_scale.py.
#   bench/validate_cli.sh MANAGEMENT_ACCOUNT_ID PARTNERCENTRAL_ACCOUNT_ID
set -u
. "$(dirname "$0")/cli_checks.sh"
management="$1"
partnercentral="$2"
ROLES="ACEManager AllianceLead ChannelApprover ChannelManager Marketing ReadOnly Technical"
(
  echo "== $management"
  instance=$(aws sso-admin list-instances --query 'Instances[0].InstanceArn' --output text)
  for set in $(aws sso-admin list-permission-sets --instance-arn "$instance" --query 'PermissionSets[]' \
    --output text); do
    aws sso-admin describe-permission-set --instance-arn "$instance" --permission-set-arn "$set" \
      --query 'PermissionSet.Name' --output text
    aws sso-admin list-managed-policies-in-permission-set --instance-arn "$instance" --permission-set-arn "$set" \
      --query 'AttachedManagedPolicies[].Name' --output text
  done
  aws sso-admin list-permission-sets-provisioned-to-account --instance-arn "$instance" \
    --account-id "$partnercentral" --query 'length(PermissionSets)' --output text
)
(
  assume "$partnercentral" "$management"
  echo "== $partnercentral"
  aws sts get-caller-identity --query Account --output text
  for role in $ROLES; do
    aws iam get-role --role-name "PartnerCentralRoleFor${role}" --query 'Role.Arn' --output text 2>/dev/null ||
      echo "PartnerCentralRoleFor${role} missing"
    aws iam list-attached-role-policies --role-name "PartnerCentralRoleFor${role}" \
      --query 'AttachedPolicies[].PolicyName' --output text 2>/dev/null
    aws iam list-role-policies --role-name "PartnerCentralRoleFor${role}" --query 'PolicyNames' --output text \
      2>/dev/null
  done
  aws iam list-roles --query "Roles[?starts_with(RoleName, 'PartnerCentralRoleFor')].RoleName" --output text
  aws partnercentral-account list-partners --catalog AWS --query 'length(PartnerSummaryList)' --output text \
    2>/dev/null || echo "no partner"
  aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=AssumeRole \
    --start-time "$(date -u -d '24 hours ago' +%Y-%m-%dT%H:%M:%SZ)" --query 'length(Events)' --output text
)
