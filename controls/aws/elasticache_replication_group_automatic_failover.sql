-- id: elasticache_replication_group_automatic_failover
-- title: ElastiCache replication groups have automatic failover enabled
-- severity: medium
-- remediation: Add at least one replica and turn on automatic failover (and Multi-AZ) for the replication group. With the AWS CLI: aws elasticache modify-replication-group --replication-group-id ID --automatic-failover-enabled --multi-az-enabled --apply-immediately
-- tags: elasticache, resilience, fsbp:ElastiCache.3
SELECT
  arn AS resource,
  CASE WHEN automatic_failover = 'enabled' THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN automatic_failover = 'enabled' THEN replication_group_id || ' fails over automatically.'
       ELSE replication_group_id || ' does not fail over automatically (automatic failover ' || coalesce(automatic_failover, 'unknown') || ').' END AS reason,
  account_id,
  region
FROM aws_elasticache_replication_group
