-- id: cloudfront_distribution_default_root_object
-- title: CloudFront distributions have a default root object
-- severity: medium
-- remediation: Set a default root object (such as index.html) in the distribution's configuration so requests for the root URL do not list or expose the origin. With the AWS CLI: aws cloudfront update-distribution --id ID --if-match ETAG --distribution-config file://config-with-DefaultRootObject.json
-- tags: cloudfront, public, fsbp:CloudFront.1
SELECT
  arn AS resource,
  CASE WHEN coalesce(default_root_object, '') <> '' THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(default_root_object, '') <> '' THEN id || ' (' || domain_name || ') serves ' || default_root_object || ' at the root URL.'
       ELSE id || ' (' || domain_name || ') has no default root object.' END AS reason,
  account_id,
  region
FROM aws_cloudfront_distribution
