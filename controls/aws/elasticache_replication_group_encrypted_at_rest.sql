-- id: elasticache_replication_group_encrypted_at_rest
-- title: ElastiCache replication groups encrypt data at rest
-- severity: medium
-- remediation: Encryption at rest can only be chosen at creation, so back up the group and restore the backup into a new group with encryption at rest. With the AWS CLI: aws elasticache create-replication-group --replication-group-id NEW_ID --replication-group-description DESC --snapshot-name SNAPSHOT --cache-node-type NODE_TYPE --engine redis --at-rest-encryption-enabled --kms-key-id KEY
-- tags: elasticache, encryption, fsbp:ElastiCache.4
SELECT
  arn AS resource,
  CASE WHEN coalesce(at_rest_encryption_enabled, false) THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(at_rest_encryption_enabled, false) THEN replication_group_id || ' is encrypted at rest.'
       ELSE replication_group_id || ' is not encrypted at rest.' END AS reason,
  account_id,
  region
FROM aws_elasticache_replication_group
