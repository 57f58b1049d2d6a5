-- id: apigateway_stage_waf_associated
-- title: API Gateway REST API stages are protected by an AWS WAF web ACL
-- severity: medium
-- remediation: Associate a regional AWS WAF web ACL with the stage. With the AWS CLI: aws wafv2 associate-web-acl --web-acl-arn WEB_ACL_ARN --resource-arn arn:aws:apigateway:REGION::/restapis/API_ID/stages/STAGE
-- tags: apigateway, network, fsbp:APIGateway.4
SELECT
  akas ->> 0 AS resource,
  CASE WHEN coalesce(web_acl_arn, '') <> '' THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(web_acl_arn, '') <> '' THEN 'Stage ' || name || ' of API ' || rest_api_id || ' is protected by web ACL ' || web_acl_arn || '.'
       ELSE 'Stage ' || name || ' of API ' || rest_api_id || ' has no AWS WAF web ACL.' END AS reason,
  account_id,
  region
FROM aws_api_gateway_stage
