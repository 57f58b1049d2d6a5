-- id: cloudfront_distribution_logging
-- title: CloudFront distributions log viewer requests
-- severity: medium
-- remediation: Turn on standard logging to an S3 bucket in the distribution's configuration. With the AWS CLI: aws cloudfront update-distribution --id ID --if-match ETAG --distribution-config file://config-with-Logging-Enabled.json
-- tags: cloudfront, logging, fsbp:CloudFront.5
SELECT
  arn AS resource,
  CASE WHEN coalesce(logging ->> 'Enabled', 'false') = 'true' THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(logging ->> 'Enabled', 'false') = 'true'
         THEN id || ' (' || domain_name || ') logs requests to ' || coalesce(logging ->> 'Bucket', 'a bucket') || '.'
       ELSE id || ' (' || domain_name || ') does not log requests.' END AS reason,
  account_id,
  region
FROM aws_cloudfront_distribution
