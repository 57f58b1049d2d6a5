-- id: dynamodb_table_deletion_protection
-- title: DynamoDB tables have deletion protection enabled
-- severity: medium
-- remediation: Turn on deletion protection for the table. With the AWS CLI: aws dynamodb update-table --table-name NAME --deletion-protection-enabled
-- tags: dynamodb, resilience, fsbp:DynamoDB.6
SELECT
  arn AS resource,
  CASE WHEN coalesce(deletion_protection_enabled, false) THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(deletion_protection_enabled, false) THEN name || ' has deletion protection enabled.'
       ELSE name || ' does not have deletion protection enabled.' END AS reason,
  account_id,
  region
FROM aws_dynamodb_table
