-- id: iam_user_console_mfa
-- title: IAM users with a console password have MFA
-- severity: high
-- remediation: Enable an MFA device for the user, or delete their login profile if they do not need the console. With the AWS CLI: aws iam create-virtual-mfa-device ...; aws iam enable-mfa-device --user-name USER ...
-- tags: iam, mfa, cis:1.10, fsbp:IAM.5
SELECT
  user_arn AS resource,
  CASE WHEN NOT password_enabled THEN 'ok' WHEN mfa_active THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN NOT password_enabled THEN user_name || ' has no console password.'
       WHEN mfa_active THEN user_name || ' signs in to the console with MFA.'
       ELSE user_name || ' signs in to the console without MFA.' END AS reason,
  account_id,
  region
FROM aws_iam_credential_report
WHERE user_name <> '<root_account>'
