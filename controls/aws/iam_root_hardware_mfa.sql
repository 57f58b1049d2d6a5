-- id: iam_root_hardware_mfa
-- title: The root user's MFA is a hardware device
-- severity: high
-- remediation: Replace the root user's virtual MFA with a hardware key.
-- tags: iam, root, mfa, cis:1.6, fsbp:IAM.6
WITH virtual_root AS (
  SELECT DISTINCT account_id FROM aws_iam_virtual_mfa_device WHERE user ->> 'Arn' LIKE '%:root'
)
SELECT
  'arn:' || s.partition || ':iam::' || s.account_id || ':root' AS resource,
  CASE WHEN s.account_mfa_enabled AND v.account_id IS NULL THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN NOT s.account_mfa_enabled THEN 'Root MFA is off.'
       WHEN v.account_id IS NOT NULL THEN 'Root MFA is a virtual device.'
       ELSE 'Root MFA is a hardware device.' END AS reason,
  s.account_id,
  s.region
FROM aws_iam_account_summary s LEFT JOIN virtual_root v ON v.account_id = s.account_id
