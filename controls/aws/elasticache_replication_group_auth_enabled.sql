-- id: elasticache_replication_group_auth_enabled
-- title: ElastiCache replication groups require clients to authenticate
-- severity: medium
-- remediation: Set an AUTH token on the replication group (in-transit encryption must be on), or attach an RBAC user group on Redis OSS 6 and later. With the AWS CLI: aws elasticache modify-replication-group --replication-group-id ID --auth-token TOKEN --auth-token-update-strategy ROTATE --apply-immediately
-- tags: elasticache, authentication, fsbp:ElastiCache.6
SELECT
  arn AS resource,
  CASE WHEN coalesce(auth_token_enabled, false) OR coalesce(json_length(user_group_ids), 0) > 0 THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(auth_token_enabled, false) THEN replication_group_id || ' requires a Redis AUTH token.'
       WHEN coalesce(json_length(user_group_ids), 0) > 0 THEN replication_group_id || ' authenticates clients with RBAC user group(s) ' || json_get_json(user_group_ids) || '.'
       ELSE replication_group_id || ' has neither a Redis AUTH token nor an RBAC user group, so clients connect without authenticating.' END AS reason,
  account_id,
  region
FROM aws_elasticache_replication_group
