-- id: apigateway_stage_cache_encrypted
-- title: API Gateway REST API stages that cache responses encrypt the cache
-- severity: medium
-- remediation: Turn on cache data encryption in the stage's default method settings. With the AWS CLI: aws apigateway update-stage --rest-api-id API_ID --stage-name STAGE --patch-operations op=replace,path=/*/*/caching/dataEncrypted,value=true
-- tags: apigateway, encryption, fsbp:APIGateway.5
SELECT
  akas ->> 0 AS resource,
  CASE WHEN NOT (coalesce(cache_cluster_enabled, false) OR coalesce(method_settings -> '*/*' ->> 'CachingEnabled', 'false') = 'true') THEN 'skip'
       WHEN coalesce(method_settings -> '*/*' ->> 'CacheDataEncrypted', 'false') = 'true' THEN 'ok'
       ELSE 'alarm' END AS status,
  CASE WHEN NOT (coalesce(cache_cluster_enabled, false) OR coalesce(method_settings -> '*/*' ->> 'CachingEnabled', 'false') = 'true')
         THEN 'Stage ' || name || ' of API ' || rest_api_id || ' does not cache responses.'
       WHEN coalesce(method_settings -> '*/*' ->> 'CacheDataEncrypted', 'false') = 'true'
         THEN 'Stage ' || name || ' of API ' || rest_api_id || ' encrypts its cache.'
       ELSE 'Stage ' || name || ' of API ' || rest_api_id || ' caches responses without encrypting the cache.' END AS reason,
  account_id,
  region
FROM aws_api_gateway_stage
