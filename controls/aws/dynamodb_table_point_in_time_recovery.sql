-- id: dynamodb_table_point_in_time_recovery
-- title: DynamoDB tables have point-in-time recovery enabled
-- severity: medium
-- remediation: Turn on point-in-time recovery for the table. With the AWS CLI: aws dynamodb update-continuous-backups --table-name NAME --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true
-- tags: dynamodb, backup, fsbp:DynamoDB.2
SELECT
  arn AS resource,
  CASE WHEN coalesce(point_in_time_recovery_description ->> 'PointInTimeRecoveryStatus', 'DISABLED') = 'ENABLED' THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(point_in_time_recovery_description ->> 'PointInTimeRecoveryStatus', 'DISABLED') = 'ENABLED'
         THEN name || ' has point-in-time recovery enabled.'
       ELSE name || ' does not have point-in-time recovery enabled (status '
         || coalesce(point_in_time_recovery_description ->> 'PointInTimeRecoveryStatus', 'unknown') || ').' END AS reason,
  account_id,
  region
FROM aws_dynamodb_table
