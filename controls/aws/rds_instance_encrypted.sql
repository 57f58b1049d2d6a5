-- id: rds_instance_encrypted
-- title: RDS instances encrypt their storage
-- severity: high
-- remediation: Snapshot the instance, copy the snapshot with encryption, and restore from the copy. With the AWS CLI: aws rds copy-db-snapshot --source-db-snapshot-identifier SNAPSHOT --target-db-snapshot-identifier SNAPSHOT-encrypted --kms-key-id KEY
-- tags: rds, encryption, cis:2.3.1, fsbp:RDS.3
SELECT
  arn AS resource,
  CASE WHEN storage_encrypted THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN storage_encrypted THEN db_instance_identifier || ' is encrypted.'
       ELSE db_instance_identifier || ' is not encrypted.' END AS reason,
  account_id,
  region
FROM aws_rds_db_instance
