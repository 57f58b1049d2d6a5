-- id: iam_root_not_used_recently
-- title: The root user has not been used in the last 90 days
-- severity: high
-- remediation: Do administrative and daily work with IAM roles or Identity Center users; keep the root user for the few tasks only it can do, and find out who used it. With the AWS CLI: aws cloudtrail lookup-events --lookup-attributes AttributeKey=Username,AttributeValue=root
-- tags: iam, root, cis:1.7
-- var: root_idle_days = 90
WITH root AS (
  SELECT account_id,
         greatest(coalesce(password_last_used, to_timestamp(0)), coalesce(access_key_1_last_used_date, to_timestamp(0)),
                  coalesce(access_key_2_last_used_date, to_timestamp(0))) AS last_used
  FROM aws_iam_credential_report
  WHERE user_name = '<root_account>'
)
SELECT
  'arn:' || a.partition || ':iam::' || a.account_id || ':root' AS resource,
  CASE WHEN r.last_used IS NULL THEN 'skip'
       WHEN r.last_used > now() - ({{root_idle_days}} || ' days')::interval THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN r.last_used IS NULL THEN 'The credential report has no row for the root user.'
       WHEN r.last_used = to_timestamp(0) THEN 'The root user has never signed in or used a key.'
       ELSE 'The root user was last used on ' || to_char(r.last_used, 'YYYY-MM-DD') || '.' END AS reason,
  a.account_id,
  a.region
FROM aws_account a LEFT JOIN root r ON r.account_id = a.account_id
