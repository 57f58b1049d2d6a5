-- id: eks_cluster_audit_logging
-- title: EKS clusters send audit logs to CloudWatch Logs
-- severity: medium
-- remediation: Turn on the audit control plane log type for the cluster. With the AWS CLI: aws eks update-cluster-config --name NAME --logging '{"clusterLogging":[{"types":["audit"],"enabled":true}]}'
-- tags: eks, logging, fsbp:EKS.8
WITH audited AS (
  SELECT DISTINCT arn
  FROM (SELECT arn, unnest(json_get_array(l, 'types')) AS t
        FROM (SELECT arn, unnest(json_get_array(logging, 'clusterLogging')) AS l FROM aws_eks_cluster)
        WHERE l ->> 'enabled' = 'true')
  WHERE json_get_str(t) = 'audit'
)
SELECT
  c.arn AS resource,
  CASE WHEN a.arn IS NULL THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN a.arn IS NULL THEN c.name || ' does not send audit logs to CloudWatch Logs.'
       ELSE c.name || ' sends audit logs to CloudWatch Logs.' END AS reason,
  c.account_id,
  c.region
FROM aws_eks_cluster c LEFT JOIN audited a ON a.arn = c.arn
