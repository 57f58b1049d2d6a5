-- id: rds_instance_not_public
-- title: RDS instances are not publicly accessible
-- severity: critical
-- remediation: aws rds modify-db-instance --db-instance-identifier ID --no-publicly-accessible
-- tags: rds, public, cis:2.3.3, fsbp:RDS.2
SELECT
  arn AS resource,
  CASE WHEN publicly_accessible THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN publicly_accessible THEN db_instance_identifier || ' is publicly accessible.'
       ELSE db_instance_identifier || ' is private.' END AS reason,
  account_id,
  region
FROM aws_rds_db_instance
