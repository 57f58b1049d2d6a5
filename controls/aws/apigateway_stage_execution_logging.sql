-- id: apigateway_stage_execution_logging
-- title: API Gateway REST API stages log execution at ERROR or INFO level
-- severity: medium
-- remediation: Set the stage's default method logging level to ERROR or INFO (the account needs a CloudWatch Logs role set in API Gateway). With the AWS CLI: aws apigateway update-stage --rest-api-id API_ID --stage-name STAGE --patch-operations op=replace,path=/*/*/logging/loglevel,value=ERROR
-- tags: apigateway, logging, fsbp:APIGateway.1
SELECT
  akas ->> 0 AS resource,
  CASE WHEN coalesce(method_settings -> '*/*' ->> 'LoggingLevel', 'OFF') IN ('ERROR', 'INFO') THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(method_settings -> '*/*' ->> 'LoggingLevel', 'OFF') IN ('ERROR', 'INFO')
         THEN 'Stage ' || name || ' of API ' || rest_api_id || ' logs execution at level ' || (method_settings -> '*/*' ->> 'LoggingLevel') || '.'
       ELSE 'Stage ' || name || ' of API ' || rest_api_id || ' does not log execution (level '
         || coalesce(method_settings -> '*/*' ->> 'LoggingLevel', 'OFF') || ').' END AS reason,
  account_id,
  region
FROM aws_api_gateway_stage
