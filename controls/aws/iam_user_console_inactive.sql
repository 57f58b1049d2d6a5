-- id: iam_user_console_inactive
-- title: IAM console passwords have been used in the last 90 days
-- severity: medium
-- remediation: Delete the login profile of users who no longer sign in. With the AWS CLI: aws iam delete-login-profile --user-name USER
-- tags: iam, cis:1.12, fsbp:IAM.22
-- var: max_unused_days = 90
SELECT
  user_arn AS resource,
  CASE WHEN NOT password_enabled THEN 'skip'
       WHEN coalesce(password_last_used, password_last_changed, user_creation_time) < now() - CAST({{max_unused_days}} || ' days' AS INTERVAL) THEN 'alarm'
       ELSE 'ok' END AS status,
  CASE WHEN NOT password_enabled THEN user_name || ' has no console password.'
       WHEN password_last_used IS NULL THEN user_name || ' never signed in; password set ' || coalesce(CAST(password_last_changed AS VARCHAR), 'at an unknown time') || '.'
       ELSE user_name || ' last signed in ' || CAST(password_last_used AS VARCHAR) || '.' END AS reason,
  account_id,
  region
FROM aws_iam_credential_report
WHERE user_name <> '<root_account>'
