-- id: config_recorder_enabled
-- title: AWS Config records in every region
-- severity: medium
-- remediation: Create a configuration recorder and delivery channel in the region, and start recording. With the AWS CLI: aws configservice put-configuration-recorder ...; aws configservice put-delivery-channel ...; aws configservice start-configuration-recorder --configuration-recorder-name default
-- tags: config, logging, cis:3.3, fsbp:Config.1
WITH recording AS (
  SELECT account_id, region, min(name) AS recorder
  FROM aws_config_configuration_recorder
  WHERE status_recording
  GROUP BY account_id, region
)
SELECT
  'arn:' || r.partition || ':config:' || r.name || ':' || r.account_id || ':config-recorder' AS resource,
  CASE WHEN c.recorder IS NULL THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN c.recorder IS NULL THEN 'No configuration recorder is recording in ' || r.name || '.'
       ELSE 'Recorder ' || c.recorder || ' is recording.' END AS reason,
  r.account_id,
  r.name AS region
FROM aws_region r LEFT JOIN recording c ON c.account_id = r.account_id AND c.region = r.name
