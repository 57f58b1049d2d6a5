-- id: iam_root_no_access_keys
-- title: The root user has no access keys
-- severity: critical
-- remediation: Sign in as root and delete its access keys; use IAM roles instead.
-- tags: iam, root, keys, cis:1.4, fsbp:IAM.4
SELECT
  'arn:' || partition || ':iam::' || account_id || ':root' AS resource,
  CASE WHEN account_access_keys_present > 0 THEN 'alarm' ELSE 'ok' END AS status,
  'Root has ' || account_access_keys_present || ' access key(s).' AS reason,
  account_id,
  region
FROM aws_iam_account_summary
