-- id: s3_bucket_default_encryption
-- title: S3 buckets encrypt new objects by default
-- severity: medium
-- remediation: aws s3api put-bucket-encryption --bucket NAME with SSE-S3 or SSE-KMS.
-- tags: s3, encryption
SELECT
  arn AS resource,
  CASE WHEN server_side_encryption_configuration IS NULL THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN server_side_encryption_configuration IS NULL THEN name || ' has no default encryption.'
       ELSE name || ' encrypts with '
         || coalesce(json_get_str(server_side_encryption_configuration, 'Rules', 0, 'ApplyServerSideEncryptionByDefault', 'SSEAlgorithm'), 'a default rule') || '.'
  END AS reason,
  account_id,
  region
FROM aws_s3_bucket
