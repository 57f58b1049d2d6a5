-- id: iam_support_role_exists
-- title: A role or group can manage incidents with AWS Support
-- severity: low
-- remediation: Attach the AWS-managed policy AWSSupportAccess to a role (or group) the incident responders use. With the AWS CLI: aws iam attach-role-policy --role-name ROLE --policy-arn arn:aws:iam::aws:policy/AWSSupportAccess
-- tags: iam, incident-response, cis:1.17
WITH support AS (
  SELECT account_id, max(attachment_count) AS attachments
  FROM aws_iam_policy
  WHERE is_aws_managed AND name = 'AWSSupportAccess'
  GROUP BY account_id
)
SELECT
  'arn:' || a.partition || ':::' || a.account_id AS resource,
  CASE WHEN coalesce(s.attachments, 0) > 0 THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(s.attachments, 0) > 0
       THEN 'AWSSupportAccess is attached to ' || s.attachments || ' identity(ies).'
       ELSE 'Nothing has AWSSupportAccess attached.' END AS reason,
  a.account_id,
  a.region
FROM aws_account a LEFT JOIN support s ON s.account_id = a.account_id
