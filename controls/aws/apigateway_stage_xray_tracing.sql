-- id: apigateway_stage_xray_tracing
-- title: API Gateway REST API stages have X-Ray tracing enabled
-- severity: low
-- remediation: Turn on active X-Ray tracing for the stage. With the AWS CLI: aws apigateway update-stage --rest-api-id API_ID --stage-name STAGE --patch-operations op=replace,path=/tracingEnabled,value=true
-- tags: apigateway, logging, fsbp:APIGateway.3
SELECT
  akas ->> 0 AS resource,
  CASE WHEN coalesce(tracing_enabled, false) THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(tracing_enabled, false) THEN 'Stage ' || name || ' of API ' || rest_api_id || ' has X-Ray tracing enabled.'
       ELSE 'Stage ' || name || ' of API ' || rest_api_id || ' does not have X-Ray tracing enabled.' END AS reason,
  account_id,
  region
FROM aws_api_gateway_stage
