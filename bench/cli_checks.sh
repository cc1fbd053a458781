# Shell functions the AWS CLI loops share (bench/baseline_cli.sh, preflight_cli.sh, validate_cli.sh): what a
# runbook does by hand, one `aws` process per call. Sourced, not run.

# Act in ACCOUNT through its OrganizationAccountAccessRole, from the management account's credentials (the
# environment's); the management account itself uses them as they are.
assume() {
  local account="$1" management="$2" key secret token
  if [ "$account" != "$management" ]; then
    read -r key secret token < <(aws sts assume-role --output text \
      --role-arn "arn:aws:iam::${account}:role/OrganizationAccountAccessRole" --role-session-name runbook \
      --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]')
    export AWS_ACCESS_KEY_ID="$key" AWS_SECRET_ACCESS_KEY="$secret" AWS_SESSION_TOKEN="$token"
  fi
}

# The security baseline (checklist phase 2): root MFA, console users' MFA, a logging multi-region trail, AWS
# Config recording, the password policy.
baseline_checks() {
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
  aws iam get-account-password-policy --query 'PasswordPolicy.MinimumPasswordLength' --output text 2>/dev/null ||
    echo "no password policy"
}
