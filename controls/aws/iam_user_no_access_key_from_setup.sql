-- id: iam_user_no_access_key_from_setup
-- title: Console users have no access keys they never used
-- severity: medium
-- remediation: Delete access keys made with the user but never used; users who need one create it themselves when they do. With the AWS CLI: aws iam delete-access-key --user-name USER --access-key-id KEY_ID
-- tags: iam, credentials, cis:1.11
SELECT
  user_arn AS resource,
  CASE WHEN password_enabled
        AND ((access_key_1_active AND access_key_1_last_used_date IS NULL)
          OR (access_key_2_active AND access_key_2_last_used_date IS NULL)) THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN password_enabled
        AND ((access_key_1_active AND access_key_1_last_used_date IS NULL)
          OR (access_key_2_active AND access_key_2_last_used_date IS NULL))
       THEN user_name || ' signs in to the console and has an active access key that was never used.'
       ELSE user_name || ' has no unused access key beside a console password.' END AS reason,
  account_id,
  region
FROM aws_iam_credential_report
WHERE user_name <> '<root_account>'
