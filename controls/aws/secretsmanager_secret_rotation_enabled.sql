-- id: secretsmanager_secret_rotation_enabled
-- title: Secrets Manager secrets rotate automatically
-- severity: medium
-- remediation: Give the secret a rotation function (or use managed rotation) and a schedule. With the AWS CLI: aws secretsmanager rotate-secret --secret-id SECRET --rotation-lambda-arn FUNCTION_ARN --rotation-rules AutomaticallyAfterDays=30
-- tags: secretsmanager, keys, fsbp:SecretsManager.1
SELECT
  arn AS resource,
  CASE WHEN coalesce(rotation_enabled, false) THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(rotation_enabled, false) THEN name || ' rotates automatically'
         || coalesce(' every ' || (rotation_rules ->> 'AutomaticallyAfterDays') || ' day(s)', '') || '.'
       ELSE name || ' does not rotate automatically.' END AS reason,
  account_id,
  region
FROM aws_secretsmanager_secret
