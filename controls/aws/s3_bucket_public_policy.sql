-- id: s3_bucket_public_policy
-- title: S3 bucket policies do not allow anyone without a condition
-- severity: critical
-- remediation: Scope the policy's principals to your accounts or add a condition (aws:PrincipalOrgID, aws:SourceVpce, ...); turn on BlockPublicPolicy. With the AWS CLI: aws s3api put-public-access-block --bucket NAME --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
-- tags: s3, public, fsbp:S3.2
WITH public_statements AS (
  SELECT name, account_id, count(*) AS statements
  FROM (SELECT name, account_id, unnest(json_get_array(policy_std, 'Statement')) AS s FROM aws_s3_bucket)
  WHERE s ->> 'Effect' = 'Allow'
    AND (json_get_str(s, 'Principal', 'AWS', 0) = '*' OR json_get_str(s, 'Principal', 'CanonicalUser', 0) = '*')
    AND json_get(s, 'Condition') IS NULL
  GROUP BY name, account_id
)
SELECT
  b.arn AS resource,
  CASE WHEN b.policy_std IS NULL THEN 'ok'
       WHEN p.name IS NULL OR coalesce(b.restrict_public_buckets, false) THEN 'ok'
       ELSE 'alarm' END AS status,
  CASE WHEN b.policy_std IS NULL THEN b.name || ' has no bucket policy.'
       WHEN p.name IS NULL THEN b.name || ' has no statement allowing anyone.'
       WHEN coalesce(b.restrict_public_buckets, false) THEN b.name || ' allows anyone, but its public access block restricts it.'
       ELSE b.name || ' allows anyone in ' || p.statements || ' statement(s) without a condition.' END AS reason,
  b.account_id,
  b.region
FROM aws_s3_bucket b LEFT JOIN public_statements p ON p.name = b.name AND p.account_id = b.account_id
