-- id: rds_snapshot_not_public
-- title: RDS snapshots are not public
-- severity: critical
-- remediation: aws rds modify-db-snapshot-attribute --db-snapshot-identifier ID --attribute-name restore --values-to-remove all
-- tags: rds, public, fsbp:RDS.1
WITH public AS (
  SELECT DISTINCT arn
  FROM (
    SELECT arn, a, unnest(json_get_array(a, 'AttributeValues')) AS v
    FROM (SELECT arn, unnest(json_get_array(db_snapshot_attributes)) AS a FROM aws_rds_db_snapshot)
  )
  WHERE a ->> 'AttributeName' = 'restore' AND json_get_str(v) = 'all'
)
SELECT
  s.arn AS resource,
  CASE WHEN p.arn IS NULL THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN p.arn IS NULL THEN s.db_snapshot_identifier || ' is not public.'
       ELSE s.db_snapshot_identifier || ' can be restored by anyone.' END AS reason,
  s.account_id,
  s.region
FROM aws_rds_db_snapshot s LEFT JOIN public p ON p.arn = s.arn
