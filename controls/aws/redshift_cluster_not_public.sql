-- id: redshift_cluster_not_public
-- title: Redshift clusters are not publicly accessible
-- severity: critical
-- remediation: aws redshift modify-cluster --cluster-identifier ID --no-publicly-accessible
-- tags: redshift, public, fsbp:Redshift.1
SELECT
  arn AS resource,
  CASE WHEN publicly_accessible THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN publicly_accessible THEN cluster_identifier || ' is publicly accessible.'
       ELSE cluster_identifier || ' is private.' END AS reason,
  account_id,
  region
FROM aws_redshift_cluster
