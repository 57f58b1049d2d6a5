-- id: neptune_cluster_audit_logs
-- title: Neptune DB clusters export audit logs to CloudWatch Logs
-- severity: medium
-- remediation: Set neptune_enable_audit_log to 1 in the cluster parameter group and export the audit log to CloudWatch Logs. With the AWS CLI: aws neptune modify-db-cluster --db-cluster-identifier ID --cloudwatch-logs-export-configuration '{"EnableLogTypes":["audit"]}' --apply-immediately
-- tags: neptune, logging, fsbp:Neptune.2
SELECT
  arn AS resource,
  CASE WHEN strpos(coalesce(enabled_cloudwatch_logs_exports, '[]'), '"audit"') > 0 THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN strpos(coalesce(enabled_cloudwatch_logs_exports, '[]'), '"audit"') > 0 THEN db_cluster_identifier || ' exports audit logs to CloudWatch Logs.'
       ELSE db_cluster_identifier || ' does not export audit logs to CloudWatch Logs.' END AS reason,
  account_id,
  region
FROM aws_neptune_db_cluster
