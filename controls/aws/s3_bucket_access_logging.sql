-- id: s3_bucket_access_logging
-- title: S3 buckets log server access
-- severity: low
-- remediation: aws s3api put-bucket-logging --bucket NAME with a target bucket for the access logs.
-- tags: s3, logging, fsbp:S3.9
SELECT
  arn AS resource,
  CASE WHEN logging IS NULL THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN logging IS NULL THEN name || ' does not log access.'
       ELSE name || ' logs access to ' || (logging ->> 'TargetBucket') || '.' END AS reason,
  account_id,
  region
FROM aws_s3_bucket
