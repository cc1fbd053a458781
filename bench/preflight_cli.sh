#!/usr/bin/env bash
# The checks of playbooks/preflight.yml (checklist phases 0 to 3) done the runbook's way, with the AWS CLI:
# from the management account, the organization and its accounts (list-accounts pages through all of them);
# in the Partner Central account, whose credentials, its organization, its plan, the Partner Central managed
# policies and the security baseline. Used by bench/org_scale.py.
#   bench/preflight_cli.sh MANAGEMENT_ACCOUNT_ID PARTNERCENTRAL_ACCOUNT_ID
set -u
. "$(dirname "$0")/cli_checks.sh"
management="$1"
partnercentral="$2"
POLICIES="AWSPartnerCentralFullAccess AWSPartnerCentralOpportunityManagement AWSPartnerCentralMarketingManagement
AWSPartnerCentralChannelManagement AWSPartnerCentralChannelHandshakeApprovalManagement
PartnerCentralAccountManagementUserRoleAssociation AWSMarketplaceSellerFullAccess ReadOnlyAccess
AWSMarketplaceSellerProductsFullAccess"
(
  echo "== $management"
  aws sts get-caller-identity --query Account --output text
  aws organizations describe-organization --query 'Organization.[Id,MasterAccountId]' --output text
  aws freetier get-account-plan-state --query accountPlanType --output text
  aws organizations list-accounts --output text \
    --query "[length(Accounts), Accounts[?Status=='ACTIVE'] | length(@), Accounts[?Id=='${partnercentral}'].Status | [0]]"
)
(
  assume "$partnercentral" "$management"
  echo "== $partnercentral"
  aws sts get-caller-identity --query Account --output text
  aws organizations describe-organization --query 'Organization.MasterAccountId' --output text
  aws freetier get-account-plan-state --query accountPlanType --output text
  for policy in $POLICIES; do
    aws iam get-policy --policy-arn "arn:aws:iam::aws:policy/${policy}" --query Policy.PolicyName --output text
  done
  baseline_checks
)
