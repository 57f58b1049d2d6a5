-- id: cloudfront_distribution_https_only
-- title: CloudFront distributions require HTTPS between viewers and CloudFront
-- severity: medium
-- remediation: Set the viewer protocol policy of the default and every other cache behaviour to redirect-to-https or https-only. With the AWS CLI: aws cloudfront update-distribution --id ID --if-match ETAG --distribution-config file://config-with-ViewerProtocolPolicy-redirect-to-https.json
-- tags: cloudfront, encryption, fsbp:CloudFront.3
WITH allow_all_paths AS (
  SELECT arn, count(*) AS n
  FROM (SELECT arn, unnest(json_get_array(distribution_config, 'CacheBehaviors', 'Items')) AS b FROM aws_cloudfront_distribution)
  WHERE b ->> 'ViewerProtocolPolicy' = 'allow-all'
  GROUP BY arn
)
SELECT
  d.arn AS resource,
  CASE WHEN coalesce(d.distribution_config -> 'DefaultCacheBehavior' ->> 'ViewerProtocolPolicy', 'allow-all') = 'allow-all'
         OR coalesce(p.n, 0) > 0 THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN coalesce(d.distribution_config -> 'DefaultCacheBehavior' ->> 'ViewerProtocolPolicy', 'allow-all') = 'allow-all'
         THEN d.id || ' (' || d.domain_name || ') accepts plain HTTP from viewers on its default cache behaviour.'
       WHEN coalesce(p.n, 0) > 0
         THEN d.id || ' (' || d.domain_name || ') accepts plain HTTP from viewers on ' || p.n || ' cache behaviour(s).'
       ELSE d.id || ' (' || d.domain_name || ') requires HTTPS from viewers (' || (d.distribution_config -> 'DefaultCacheBehavior' ->> 'ViewerProtocolPolicy') || ').' END AS reason,
  d.account_id,
  d.region
FROM aws_cloudfront_distribution d LEFT JOIN allow_all_paths p ON p.arn = d.arn
