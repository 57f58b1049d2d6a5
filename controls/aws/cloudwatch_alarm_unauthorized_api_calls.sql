-- id: cloudwatch_alarm_unauthorized_api_calls
-- title: A metric filter and an alarm with a subscriber watch for unauthorized API calls
-- severity: medium
-- remediation: On the log group a multi-region trail sends to, create a metric filter whose pattern matches unauthorized API calls (CIS 4.1 gives the pattern), an alarm on its metric, and an SNS topic with a subscriber as the alarm's action. With the AWS CLI: aws logs put-metric-filter --log-group-name GROUP --filter-name NAME --filter-pattern PATTERN --metric-transformations metricName=NAME,metricNamespace=CISBenchmark,metricValue=1; aws cloudwatch put-metric-alarm --alarm-name NAME --metric-name NAME --namespace CISBenchmark --statistic Sum --period 300 --threshold 1 --comparison-operator GreaterThanOrEqualToThreshold --evaluation-periods 1 --alarm-actions TOPIC_ARN
-- tags: cloudwatch, logging, monitoring, cis:4.1
WITH alarmed AS (
  -- The complete chains (controls/views/) whose filter pattern names every event.
  SELECT account_id, min(chain) AS chain
  FROM cis_alarmed_metric_filters
  WHERE strpos(filter_pattern, 'errorCode') > 0
    AND strpos(filter_pattern, 'UnauthorizedOperation') > 0
    AND strpos(filter_pattern, 'AccessDenied') > 0
  GROUP BY account_id
)
SELECT
  'arn:' || ac.partition || ':::' || ac.account_id AS resource,
  CASE WHEN al.chain IS NULL THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN al.chain IS NULL THEN 'Nothing alerts on unauthorized API calls.'
       ELSE 'Metric filter and alarm ' || al.chain || ' alert on unauthorized API calls.' END AS reason,
  ac.account_id,
  ac.region
FROM aws_account ac LEFT JOIN alarmed al ON al.account_id = ac.account_id
