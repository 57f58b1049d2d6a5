-- id: kms_key_not_pending_deletion
-- title: Customer managed KMS keys are not scheduled for deletion
-- severity: critical
-- remediation: If the key is still needed, cancel its deletion and enable it again (data it encrypted is lost once it is deleted). With the AWS CLI: aws kms cancel-key-deletion --key-id KEY_ID; aws kms enable-key --key-id KEY_ID
-- tags: kms, encryption, fsbp:KMS.3
SELECT
  arn AS resource,
  CASE WHEN key_state = 'PendingDeletion' THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN key_state = 'PendingDeletion'
       THEN id || ' is scheduled for deletion' || coalesce(' on ' || to_char(deletion_date, 'YYYY-MM-DD'), '') || '.'
       ELSE id || ' is not scheduled for deletion (' || coalesce(key_state, 'state unknown') || ').' END AS reason,
  account_id,
  region
FROM aws_kms_key
WHERE key_manager = 'CUSTOMER'
