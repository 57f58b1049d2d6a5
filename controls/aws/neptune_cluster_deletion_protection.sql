-- id: neptune_cluster_deletion_protection
-- title: Neptune DB clusters have deletion protection on
-- severity: low
-- remediation: Turn on deletion protection so the cluster cannot be deleted by mistake. With the AWS CLI: aws neptune modify-db-cluster --db-cluster-identifier ID --deletion-protection --apply-immediately
-- tags: neptune, resilience, fsbp:Neptune.4
SELECT
  arn AS resource,
  CASE WHEN coalesce(deletion_protection, false) THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(deletion_protection, false) THEN db_cluster_identifier || ' has deletion protection on.'
       ELSE db_cluster_identifier || ' has deletion protection off.' END AS reason,
  account_id,
  region
FROM aws_neptune_db_cluster
