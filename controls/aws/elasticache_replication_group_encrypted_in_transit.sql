-- id: elasticache_replication_group_encrypted_in_transit
-- title: ElastiCache replication groups require encryption in transit
-- severity: medium
-- remediation: Turn on in-transit encryption for the replication group (mode preferred first, then required once clients use TLS). With the AWS CLI: aws elasticache modify-replication-group --replication-group-id ID --transit-encryption-enabled --transit-encryption-mode required --apply-immediately
-- tags: elasticache, encryption, fsbp:ElastiCache.5
SELECT
  arn AS resource,
  CASE WHEN coalesce(transit_encryption_enabled, false) AND coalesce(transit_encryption_mode, 'required') = 'required' THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN NOT coalesce(transit_encryption_enabled, false) THEN replication_group_id || ' is not encrypted in transit.'
       WHEN coalesce(transit_encryption_mode, 'required') = 'required' THEN replication_group_id || ' requires encryption in transit.'
       ELSE replication_group_id || ' also accepts unencrypted connections (transit encryption mode ' || transit_encryption_mode || ').' END AS reason,
  account_id,
  region
FROM aws_elasticache_replication_group
