-- id: iam_cloudshell_full_access_restricted
-- title: Nothing has AWSCloudShellFullAccess attached
-- severity: medium
-- remediation: Detach AWSCloudShellFullAccess (it allows file transfer in and out of CloudShell) and grant a narrower policy where CloudShell is needed. With the AWS CLI: aws iam detach-role-policy --role-name ROLE --policy-arn arn:aws:iam::aws:policy/AWSCloudShellFullAccess
-- tags: iam, cloudshell, cis:1.22
WITH cloudshell AS (
  SELECT account_id, max(attachment_count) AS attachments
  FROM aws_iam_policy
  WHERE is_aws_managed AND name = 'AWSCloudShellFullAccess'
  GROUP BY account_id
)
SELECT
  'arn:' || a.partition || ':::' || a.account_id AS resource,
  CASE WHEN coalesce(c.attachments, 0) > 0 THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN coalesce(c.attachments, 0) > 0
       THEN 'AWSCloudShellFullAccess is attached to ' || c.attachments || ' identity(ies).'
       ELSE 'AWSCloudShellFullAccess is attached to nothing.' END AS reason,
  a.account_id,
  a.region
FROM aws_account a LEFT JOIN cloudshell c ON c.account_id = a.account_id
