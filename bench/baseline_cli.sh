#!/usr/bin/env bash
# The security baseline checks of playbooks/baseline.yml done the way the runbook does them: a shell loop of
# AWS CLI calls, one account after the other, each reached through its OrganizationAccountAccessRole from the
# management account's credentials (the environment's). Used by bench/org_scale.py.
#   bench/baseline_cli.sh MANAGEMENT_ACCOUNT_ID ACCOUNT_ID...
set -u
management="$1"
shift
for account in "$@"; do
  (
    if [ "$account" != "$management" ]; then
      read -r key secret token < <(aws sts assume-role --output text \
        --role-arn "arn:aws:iam::${account}:role/OrganizationAccountAccessRole" --role-session-name baseline \
        --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]')
      export AWS_ACCESS_KEY_ID="$key" AWS_SECRET_ACCESS_KEY="$secret" AWS_SESSION_TOKEN="$token"
    fi
    echo "== $account"
    aws sts get-caller-identity --query Account --output text
    aws iam get-account-summary --query 'SummaryMap.AccountMFAEnabled' --output text
    for user in $(aws iam list-users --query 'Users[].UserName' --output text); do
      aws iam get-login-profile --user-name "$user" >/dev/null 2>&1 &&
        aws iam list-mfa-devices --user-name "$user" --query 'length(MFADevices)' --output text
    done
    for trail in $(aws cloudtrail describe-trails --query 'trailList[?IsMultiRegionTrail].TrailARN' --output text); do
      aws cloudtrail get-trail-status --name "$trail" --query IsLogging --output text
    done
    aws configservice describe-configuration-recorder-status --query 'ConfigurationRecordersStatus[].recording' \
      --output text
    aws iam get-account-password-policy --output json >/dev/null 2>&1 || echo "no password policy"
  )
done
