-- id: elasticache_cluster_auto_minor_version_upgrade
-- title: ElastiCache clusters apply minor engine upgrades automatically
-- severity: high
-- remediation: Turn on automatic minor version upgrades for the cluster. With the AWS CLI: aws elasticache modify-cache-cluster --cache-cluster-id ID --auto-minor-version-upgrade --apply-immediately
-- tags: elasticache, patching, fsbp:ElastiCache.2
SELECT
  arn AS resource,
  CASE WHEN coalesce(auto_minor_version_upgrade, false) THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(auto_minor_version_upgrade, false)
         THEN cache_cluster_id || ' (' || coalesce(engine, 'unknown engine') || ') applies minor version upgrades automatically.'
       WHEN auto_minor_version_upgrade IS NULL
         THEN cache_cluster_id || ' (' || coalesce(engine, 'unknown engine') || ') does not report automatic minor version upgrades as enabled.'
       ELSE cache_cluster_id || ' (' || coalesce(engine, 'unknown engine') || ') does not apply minor version upgrades automatically.' END AS reason,
  account_id,
  region
FROM aws_elasticache_cluster
