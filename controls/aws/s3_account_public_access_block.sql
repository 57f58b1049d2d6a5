-- id: s3_account_public_access_block
-- title: S3 Block Public Access is on for the whole account
-- severity: high
-- remediation: Turn on all four account-level blocks, which hold for every bucket, present and future. With the AWS CLI: aws s3control put-public-access-block --account-id ACCOUNT_ID --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
-- tags: s3, public, cis:2.1.4, fsbp:S3.1
SELECT
  akas ->> 0 AS resource,
  CASE WHEN block_public_acls AND ignore_public_acls AND block_public_policy AND restrict_public_buckets
       THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN block_public_acls AND ignore_public_acls AND block_public_policy AND restrict_public_buckets
       THEN 'All four account-level public access blocks are on.'
       WHEN NOT (block_public_acls OR ignore_public_acls OR block_public_policy OR restrict_public_buckets)
       THEN 'No account-level public access block is on.'
       ELSE 'Only some account-level public access blocks are on.' END AS reason,
  account_id,
  region
FROM aws_s3_account_settings
