-- id: s3_bucket_public_access_block
-- title: S3 buckets block public access with all four settings
-- severity: medium
-- remediation: aws s3api put-public-access-block --bucket NAME --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
-- tags: s3, public, cis:2.1.4, fsbp:S3.8
SELECT
  arn AS resource,
  CASE WHEN coalesce(block_public_acls AND ignore_public_acls AND block_public_policy AND restrict_public_buckets, false)
       THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN block_public_acls IS NULL THEN name || ' has no public access block.'
       WHEN block_public_acls AND ignore_public_acls AND block_public_policy AND restrict_public_buckets
       THEN name || ' blocks public access.'
       ELSE name || ' blocks public access only in part.' END AS reason,
  account_id,
  region
FROM aws_s3_bucket
