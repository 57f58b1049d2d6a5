-- id: iam_access_key_unused
-- title: Active IAM access keys have been used in the last 90 days
-- severity: medium
-- remediation: Deactivate keys nobody uses, then delete them. With the AWS CLI: aws iam update-access-key --user-name USER --access-key-id KEY --status Inactive; aws iam delete-access-key --user-name USER --access-key-id KEY
-- tags: iam, keys, cis:1.12, fsbp:IAM.8
-- var: max_unused_days = 90
SELECT
  'arn:' || partition || ':iam::' || account_id || ':user/' || user_name || '/accesskey/' || access_key_id AS resource,
  CASE WHEN status <> 'Active' THEN 'skip'
       WHEN coalesce(access_key_last_used_date, create_date) < now() - CAST({{max_unused_days}} || ' days' AS INTERVAL) THEN 'alarm'
       ELSE 'ok' END AS status,
  CASE WHEN status <> 'Active' THEN access_key_id || ' of ' || user_name || ' is inactive.'
       WHEN access_key_last_used_date IS NULL THEN access_key_id || ' of ' || user_name || ' was never used; created ' || CAST(create_date AS VARCHAR) || '.'
       ELSE access_key_id || ' of ' || user_name || ' was last used ' || CAST(access_key_last_used_date AS VARCHAR) || '.' END AS reason,
  account_id,
  region
FROM aws_iam_access_key
