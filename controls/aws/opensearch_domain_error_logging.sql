-- id: opensearch_domain_error_logging
-- title: OpenSearch domains send error logs to CloudWatch Logs
-- severity: medium
-- remediation: Publish the domain's error (application) logs to a CloudWatch Logs group whose resource policy lets OpenSearch Service write to it. With the AWS CLI: aws opensearch update-domain-config --domain-name NAME --log-publishing-options 'ES_APPLICATION_LOGS={CloudWatchLogsLogGroupArn=LOG_GROUP_ARN,Enabled=true}'
-- tags: opensearch, logging, fsbp:Opensearch.4
SELECT
  arn AS resource,
  CASE WHEN log_publishing_options -> 'ES_APPLICATION_LOGS' ->> 'Enabled' = 'true'
        AND coalesce(log_publishing_options -> 'ES_APPLICATION_LOGS' ->> 'CloudWatchLogsLogGroupArn', '') <> '' THEN 'ok'
       ELSE 'alarm' END AS status,
  CASE WHEN log_publishing_options -> 'ES_APPLICATION_LOGS' ->> 'Enabled' = 'true'
        AND coalesce(log_publishing_options -> 'ES_APPLICATION_LOGS' ->> 'CloudWatchLogsLogGroupArn', '') <> ''
       THEN domain_name || ' sends error logs to ' || (log_publishing_options -> 'ES_APPLICATION_LOGS' ->> 'CloudWatchLogsLogGroupArn') || '.'
       ELSE domain_name || ' does not send error logs to CloudWatch Logs.' END AS reason,
  account_id,
  region
FROM aws_opensearch_domain
