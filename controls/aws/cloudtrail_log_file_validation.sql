-- id: cloudtrail_log_file_validation
-- title: CloudTrail trails validate their log files
-- severity: medium
-- remediation: Turn on log file validation so CloudTrail signs digest files that reveal altered or deleted logs. With the AWS CLI: aws cloudtrail update-trail --name TRAIL --enable-log-file-validation
-- tags: cloudtrail, logging, fsbp:CloudTrail.4, cis:3.2
SELECT
  arn AS resource,
  CASE WHEN coalesce(log_file_validation_enabled, false) THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(log_file_validation_enabled, false) THEN name || ' validates its log files.'
       ELSE name || ' does not validate its log files.' END AS reason,
  account_id,
  region
FROM aws_cloudtrail_trail
