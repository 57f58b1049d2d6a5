-- id: kms_key_rotation_enabled
-- title: Customer managed KMS keys rotate automatically
-- severity: medium
-- remediation: aws kms enable-key-rotation --key-id ID
-- tags: kms, encryption, cis:3.6, fsbp:KMS.4
SELECT
  arn AS resource,
  CASE WHEN key_rotation_enabled THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN key_rotation_enabled THEN id || ' rotates yearly.' ELSE id || ' does not rotate.' END AS reason,
  account_id,
  region
FROM aws_kms_key
WHERE key_manager = 'CUSTOMER' AND key_state = 'Enabled' AND key_spec = 'SYMMETRIC_DEFAULT'
