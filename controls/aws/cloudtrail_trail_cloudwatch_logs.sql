-- id: cloudtrail_trail_cloudwatch_logs
-- title: CloudTrail trails send events to CloudWatch Logs
-- severity: low
-- remediation: Send the trail's events to a CloudWatch Logs group, with a role CloudTrail can assume to write to it. With the AWS CLI: aws cloudtrail update-trail --name TRAIL --cloud-watch-logs-log-group-arn LOG_GROUP_ARN --cloud-watch-logs-role-arn ROLE_ARN
-- tags: cloudtrail, logging, fsbp:CloudTrail.5
SELECT
  arn AS resource,
  CASE WHEN coalesce(cloudwatch_logs_log_group_arn, '') <> '' THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(cloudwatch_logs_log_group_arn, '') <> '' THEN name || ' sends events to ' || cloudwatch_logs_log_group_arn || '.'
       ELSE name || ' does not send events to CloudWatch Logs.' END AS reason,
  account_id,
  region
FROM aws_cloudtrail_trail
