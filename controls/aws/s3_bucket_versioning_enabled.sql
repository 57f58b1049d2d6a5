-- id: s3_bucket_versioning_enabled
-- title: S3 buckets keep object versions
-- severity: low
-- remediation: aws s3api put-bucket-versioning --bucket NAME --versioning-configuration Status=Enabled
-- tags: s3, resilience, fsbp:S3.14
SELECT
  arn AS resource,
  CASE WHEN versioning_enabled IS NULL THEN 'error' WHEN versioning_enabled THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN versioning_enabled IS NULL THEN name || ': its versioning could not be read.'
       WHEN versioning_enabled THEN name || ' has versioning on.'
       ELSE name || ' has versioning off or suspended.' END AS reason,
  account_id,
  region
FROM aws_s3_bucket
