-- id: elasticache_redis_automatic_backups
-- title: ElastiCache (Redis OSS and Valkey) replication groups and clusters take automatic backups
-- severity: high
-- remediation: Set a snapshot retention limit of at least one day so ElastiCache takes daily automatic backups. With the AWS CLI: aws elasticache modify-replication-group --replication-group-id ID --snapshot-retention-limit 7 --apply-immediately
-- tags: elasticache, backup, fsbp:ElastiCache.1
SELECT
  arn AS resource,
  CASE WHEN coalesce(snapshot_retention_limit, 0) > 0 THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(snapshot_retention_limit, 0) > 0
         THEN 'Replication group ' || replication_group_id || ' keeps automatic backups for ' || snapshot_retention_limit || ' day(s).'
       ELSE 'Replication group ' || replication_group_id || ' takes no automatic backups.' END AS reason,
  account_id,
  region
FROM aws_elasticache_replication_group
UNION ALL
SELECT
  arn AS resource,
  CASE WHEN coalesce(snapshot_retention_limit, 0) > 0 THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(snapshot_retention_limit, 0) > 0
         THEN 'Cluster ' || cache_cluster_id || ' keeps automatic backups for ' || snapshot_retention_limit || ' day(s).'
       ELSE 'Cluster ' || cache_cluster_id || ' takes no automatic backups.' END AS reason,
  account_id,
  region
FROM aws_elasticache_cluster
WHERE replication_group_id IS NULL AND lower(coalesce(engine, '')) IN ('redis', 'valkey')
