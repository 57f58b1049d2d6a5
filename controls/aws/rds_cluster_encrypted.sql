-- id: rds_cluster_encrypted
-- title: RDS and Aurora DB clusters encrypt their storage
-- severity: medium
-- remediation: Encryption is set at creation: snapshot the cluster, copy the snapshot with a KMS key, and restore a new cluster from the copy. With the AWS CLI: aws rds copy-db-cluster-snapshot --source-db-cluster-snapshot-identifier SNAPSHOT --target-db-cluster-snapshot-identifier SNAPSHOT-encrypted --kms-key-id KEY
-- tags: rds, encryption, fsbp:RDS.27
SELECT
  arn AS resource,
  CASE WHEN coalesce(storage_encrypted, false) THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(storage_encrypted, false) THEN db_cluster_identifier || ' is encrypted.'
       ELSE db_cluster_identifier || ' (' || engine || ') is not encrypted.' END AS reason,
  account_id,
  region
FROM aws_rds_db_cluster
WHERE engine NOT IN ('neptune', 'docdb')  -- listed by the same API, covered by their own controls
