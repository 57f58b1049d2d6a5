-- id: cloudfront_distribution_waf_enabled
-- title: CloudFront distributions are protected by an AWS WAF web ACL
-- severity: medium
-- remediation: Associate a global (CLOUDFRONT scope) AWS WAF web ACL with the distribution by setting WebACLId in its configuration. With the AWS CLI: aws cloudfront update-distribution --id ID --if-match ETAG --distribution-config file://config-with-WebACLId.json
-- tags: cloudfront, network, fsbp:CloudFront.6
SELECT
  arn AS resource,
  CASE WHEN coalesce(distribution_config ->> 'WebACLId', web_acl_id, '') <> '' THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(distribution_config ->> 'WebACLId', web_acl_id, '') <> ''
         THEN id || ' (' || domain_name || ') is protected by web ACL ' || coalesce(distribution_config ->> 'WebACLId', web_acl_id) || '.'
       ELSE id || ' (' || domain_name || ') has no AWS WAF web ACL.' END AS reason,
  account_id,
  region
FROM aws_cloudfront_distribution
