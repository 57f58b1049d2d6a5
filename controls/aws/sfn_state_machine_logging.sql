-- id: sfn_state_machine_logging
-- title: Step Functions state machines log executions
-- severity: medium
-- remediation: Turn on logging to a CloudWatch Logs group at level ERROR or ALL. With the AWS CLI: aws stepfunctions update-state-machine --state-machine-arn ARN --logging-configuration 'level=ERROR,includeExecutionData=false,destinations=[{cloudWatchLogsLogGroup={logGroupArn=LOG_GROUP_ARN}}]'
-- tags: stepfunctions, logging, fsbp:StepFunctions.1
SELECT
  arn AS resource,
  CASE WHEN coalesce(logging_configuration ->> 'level', 'OFF') <> 'OFF' THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(logging_configuration ->> 'level', 'OFF') <> 'OFF' THEN name || ' logs at level ' || (logging_configuration ->> 'level') || '.'
       ELSE name || ' does not log (level OFF).' END AS reason,
  account_id,
  region
FROM aws_sfn_state_machine
