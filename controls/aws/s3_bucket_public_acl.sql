-- id: s3_bucket_public_acl
-- title: S3 buckets are not public through their ACL
-- severity: critical
-- remediation: Remove grants to AllUsers and AuthenticatedUsers, and turn on BlockPublicAcls and IgnorePublicAcls. With the AWS CLI: aws s3api put-bucket-acl --bucket NAME --acl private; aws s3api put-public-access-block --bucket NAME --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
-- tags: s3, public, fsbp:S3.2
WITH public_grants AS (
  SELECT name, account_id, string_agg(DISTINCT g ->> 'Permission', ', ') AS permissions
  FROM (SELECT name, account_id, unnest(json_get_array(acl, 'Grants')) AS g FROM aws_s3_bucket)
  WHERE g -> 'Grantee' ->> 'URI' IN ('http://acs.amazonaws.com/groups/global/AllUsers',
                                     'http://acs.amazonaws.com/groups/global/AuthenticatedUsers')
  GROUP BY name, account_id
)
SELECT
  b.arn AS resource,
  CASE WHEN p.name IS NULL OR coalesce(b.ignore_public_acls, false) THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN p.name IS NULL THEN b.name || ' grants nothing to everyone.'
       WHEN coalesce(b.ignore_public_acls, false) THEN b.name || ' has a public grant, ignored by its public access block.'
       ELSE b.name || ' grants ' || p.permissions || ' to everyone.' END AS reason,
  b.account_id,
  b.region
FROM aws_s3_bucket b LEFT JOIN public_grants p ON p.name = b.name AND p.account_id = b.account_id
