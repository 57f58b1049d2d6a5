-- id: iam_user_one_active_key
-- title: IAM users have at most one active access key
-- severity: medium
-- remediation: Deactivate and delete the older key once everything uses the newer one. With the AWS CLI: aws iam update-access-key --user-name USER --access-key-id KEY_ID --status Inactive; aws iam delete-access-key --user-name USER --access-key-id KEY_ID
-- tags: iam, credentials, cis:1.13
WITH active AS (
  SELECT account_id, user_name, count(*) AS keys
  FROM aws_iam_access_key
  WHERE status = 'Active'
  GROUP BY account_id, user_name
)
SELECT
  u.arn AS resource,
  CASE WHEN coalesce(a.keys, 0) > 1 THEN 'alarm' ELSE 'ok' END AS status,
  u.name || ' has ' || coalesce(a.keys, 0) || ' active access key(s).' AS reason,
  u.account_id,
  u.region
FROM aws_iam_user u LEFT JOIN active a ON a.account_id = u.account_id AND a.user_name = u.name
