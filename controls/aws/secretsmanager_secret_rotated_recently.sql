-- id: secretsmanager_secret_rotated_recently
-- title: Secrets Manager secrets were rotated in the last 90 days
-- severity: medium
-- remediation: Rotate the secret now and turn on scheduled rotation so it does not age again. With the AWS CLI: aws secretsmanager rotate-secret --secret-id SECRET
-- tags: secretsmanager, keys, fsbp:SecretsManager.4
-- var: max_days_since_rotation = 90
SELECT
  arn AS resource,
  CASE WHEN coalesce(last_rotated_date, created_date) IS NULL THEN 'skip'
       WHEN coalesce(last_rotated_date, created_date) < now() - CAST({{max_days_since_rotation}} || ' days' AS INTERVAL) THEN 'alarm'
       ELSE 'ok' END AS status,
  CASE WHEN coalesce(last_rotated_date, created_date) IS NULL THEN name || ': neither its last rotation nor its creation date is known.'
       WHEN last_rotated_date IS NULL THEN name || ' was never rotated; it was created '
         || CAST(date_part('day', now() - created_date) AS BIGINT) || ' day(s) ago.'
       ELSE name || ' was last rotated ' || CAST(date_part('day', now() - last_rotated_date) AS BIGINT) || ' day(s) ago.' END AS reason,
  account_id,
  region
FROM aws_secretsmanager_secret
