-- id: rds_cluster_deletion_protection
-- title: RDS and Aurora DB clusters have deletion protection on
-- severity: low
-- remediation: Turn on deletion protection so the cluster cannot be deleted by mistake. With the AWS CLI: aws rds modify-db-cluster --db-cluster-identifier ID --deletion-protection --apply-immediately
-- tags: rds, resilience, fsbp:RDS.7
SELECT
  arn AS resource,
  CASE WHEN coalesce(deletion_protection, false) THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(deletion_protection, false) THEN db_cluster_identifier || ' has deletion protection on.'
       ELSE db_cluster_identifier || ' (' || engine || ') has deletion protection off.' END AS reason,
  account_id,
  region
FROM aws_rds_db_cluster
WHERE engine NOT IN ('neptune', 'docdb')  -- listed by the same API, covered by their own controls
