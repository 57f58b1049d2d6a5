-- The chain CIS section 4 asks for, one row per complete chain: a metric filter on the
-- log group a logging multi-region trail sends to, an alarm on the filter's metric, and
-- an SNS topic in the alarm's actions with a confirmed subscription. Each monitoring
-- control keeps the chains whose filter pattern names its item's events.
CREATE OR REPLACE VIEW cis_alarmed_metric_filters AS
SELECT DISTINCT f.account_id, f.filter_pattern, f.name || ' -> ' || a.name AS chain
FROM aws_cloudwatch_log_metric_filter f
JOIN aws_cloudtrail_trail t
  ON t.account_id = f.account_id AND t.is_multi_region_trail AND t.is_logging
 AND t.cloudwatch_logs_log_group_arn LIKE '%:log-group:' || f.log_group_name || ':%'
JOIN aws_cloudwatch_alarm a
  ON a.account_id = f.account_id AND a.metric_name = f.metric_transformation_name
 AND a.namespace = f.metric_transformation_namespace
JOIN aws_sns_topic_subscription s
  ON s.account_id = a.account_id AND strpos(a.alarm_actions, '"' || s.topic_arn || '"') > 0
 AND s.subscription_arn LIKE 'arn:%'
