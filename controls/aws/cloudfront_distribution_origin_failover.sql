-- id: cloudfront_distribution_origin_failover
-- title: CloudFront distributions have origin failover configured
-- severity: low
-- remediation: Add an origin group with a primary and a secondary origin and point the cache behaviours at it. With the AWS CLI: aws cloudfront update-distribution --id ID --if-match ETAG --distribution-config file://config-with-OriginGroups.json
-- tags: cloudfront, resilience, fsbp:CloudFront.4
SELECT
  arn AS resource,
  CASE WHEN coalesce(CAST(distribution_config -> 'OriginGroups' ->> 'Quantity' AS BIGINT), 0) > 0 THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(CAST(distribution_config -> 'OriginGroups' ->> 'Quantity' AS BIGINT), 0) > 0
         THEN id || ' (' || domain_name || ') has ' || (distribution_config -> 'OriginGroups' ->> 'Quantity') || ' origin group(s) for failover.'
       ELSE id || ' (' || domain_name || ') has no origin group, so no origin failover.' END AS reason,
  account_id,
  region
FROM aws_cloudfront_distribution
