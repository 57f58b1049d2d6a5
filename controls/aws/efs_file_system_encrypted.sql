-- id: efs_file_system_encrypted
-- title: EFS file systems encrypt data at rest
-- severity: medium
-- remediation: Encryption at rest can only be chosen at creation, so create an encrypted file system and copy the data to it (for example with AWS DataSync). With the AWS CLI: aws efs create-file-system --encrypted --kms-key-id KEY --creation-token TOKEN
-- tags: efs, encryption, fsbp:EFS.1, cis:2.4.1
SELECT
  arn AS resource,
  CASE WHEN coalesce(encrypted, false) THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(encrypted, false) THEN coalesce(name, file_system_id) || ' (' || file_system_id || ') is encrypted at rest.'
       ELSE coalesce(name, file_system_id) || ' (' || file_system_id || ') is not encrypted at rest.' END AS reason,
  account_id,
  region
FROM aws_efs_file_system
