-- id: ecs_cluster_container_insights
-- title: ECS clusters have Container Insights enabled
-- severity: medium
-- remediation: Turn on Container Insights for the cluster. With the AWS CLI: aws ecs update-cluster-settings --cluster NAME --settings name=containerInsights,value=enabled
-- tags: ecs, monitoring, fsbp:ECS.12
WITH insights AS (
  SELECT cluster_arn, max(s ->> 'value') AS value
  FROM (SELECT cluster_arn, unnest(json_get_array(settings)) AS s FROM aws_ecs_cluster)
  WHERE s ->> 'name' = 'containerInsights'
  GROUP BY cluster_arn
)
SELECT
  c.cluster_arn AS resource,
  CASE WHEN coalesce(i.value, 'disabled') IN ('enabled', 'enhanced') THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(i.value, 'disabled') IN ('enabled', 'enhanced') THEN c.cluster_name || ' has Container Insights ' || i.value || '.'
       ELSE c.cluster_name || ' does not have Container Insights enabled.' END AS reason,
  c.account_id,
  c.region
FROM aws_ecs_cluster c LEFT JOIN insights i ON i.cluster_arn = c.cluster_arn
