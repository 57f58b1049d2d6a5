-- id: iam_root_mfa_enabled
-- title: The root user has MFA
-- severity: critical
-- remediation: Sign in as root and assign a hardware MFA device.
-- tags: iam, root, mfa, cis:1.5, fsbp:IAM.9
SELECT
  'arn:' || partition || ':iam::' || account_id || ':root' AS resource,
  CASE WHEN account_mfa_enabled THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN account_mfa_enabled THEN 'Root MFA is on.' ELSE 'Root MFA is off.' END AS reason,
  account_id,
  region
FROM aws_iam_account_summary
