-- id: cloudwatch_alarm_console_login_without_mfa
-- title: A metric filter and an alarm with a subscriber watch for console sign-ins without MFA
-- severity: medium
-- remediation: On the log group a multi-region trail sends to, create a metric filter whose pattern matches console sign-ins without MFA (CIS 4.2 gives the pattern), an alarm on its metric, and an SNS topic with a subscriber as the alarm's action. With the AWS CLI: aws logs put-metric-filter --log-group-name GROUP --filter-name NAME --filter-pattern PATTERN --metric-transformations metricName=NAME,metricNamespace=CISBenchmark,metricValue=1; aws cloudwatch put-metric-alarm --alarm-name NAME --metric-name NAME --namespace CISBenchmark --statistic Sum --period 300 --threshold 1 --comparison-operator GreaterThanOrEqualToThreshold --evaluation-periods 1 --alarm-actions TOPIC_ARN
-- tags: cloudwatch, logging, monitoring, cis:4.2
WITH required(term) AS (VALUES
    ('ConsoleLogin'),
    ('MFAUsed')
),
-- A filter counts when its pattern names every required term and it reads the log group
-- of a logging multi-region trail; its metric needs an alarm whose action is a topic with
-- a confirmed subscription.
watched AS (
  SELECT f.account_id, f.name, f.metric_transformation_name AS metric, f.metric_transformation_namespace AS namespace
  FROM aws_cloudwatch_log_metric_filter f
  JOIN aws_cloudtrail_trail t
    ON t.account_id = f.account_id AND t.is_multi_region_trail AND t.is_logging
   AND t.cloudwatch_logs_log_group_arn LIKE '%:log-group:' || f.log_group_name || ':%'
  CROSS JOIN required r
  WHERE strpos(f.filter_pattern, r.term) > 0
  GROUP BY 1, 2, 3, 4
  HAVING count(DISTINCT r.term) = (SELECT count(*) FROM required)
),
alarmed AS (
  SELECT w.account_id, min(w.name || ' -> ' || a.name) AS chain
  FROM watched w
  JOIN aws_cloudwatch_alarm a ON a.account_id = w.account_id AND a.metric_name = w.metric AND a.namespace = w.namespace
  JOIN aws_sns_topic_subscription s
    ON s.account_id = a.account_id AND strpos(a.alarm_actions, '"' || s.topic_arn || '"') > 0
   AND s.subscription_arn LIKE 'arn:%'
  GROUP BY w.account_id
)
SELECT
  'arn:' || ac.partition || ':::' || ac.account_id AS resource,
  CASE WHEN al.chain IS NULL THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN al.chain IS NULL THEN 'Nothing alerts on console sign-ins without MFA.'
       ELSE 'Metric filter and alarm ' || al.chain || ' alert on console sign-ins without MFA.' END AS reason,
  ac.account_id,
  ac.region
FROM aws_account ac LEFT JOIN alarmed al ON al.account_id = ac.account_id
