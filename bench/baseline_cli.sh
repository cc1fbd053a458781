#!/usr/bin/env bash
# The security baseline checks of playbooks/baseline.yml done the way the runbook does them: a shell loop of
# AWS CLI calls, one account after the other, each reached through its OrganizationAccountAccessRole from the
# management account's credentials (the environment's). Used by bench/org_scale.py.
#   bench/baseline_cli.sh MANAGEMENT_ACCOUNT_ID ACCOUNT_ID...
set -u
. "$(dirname "$0")/cli_checks.sh"
management="$1"
shift
for account in "$@"; do
  (
    assume "$account" "$management"
    echo "== $account"
    aws sts get-caller-identity --query Account --output text
    baseline_checks
  )
done
