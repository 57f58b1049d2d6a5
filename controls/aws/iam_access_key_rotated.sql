-- id: iam_access_key_rotated
-- title: Active IAM access keys are younger than 90 days
-- severity: medium
-- remediation: Create a new key, move its users to it, then deactivate and delete the old one. With the AWS CLI: aws iam create-access-key --user-name USER; aws iam update-access-key --user-name USER --access-key-id OLD --status Inactive; aws iam delete-access-key --user-name USER --access-key-id OLD
-- tags: iam, keys, cis:1.14, fsbp:IAM.3
-- var: max_key_age_days = 90
SELECT
  'arn:' || partition || ':iam::' || account_id || ':user/' || user_name || '/accesskey/' || access_key_id AS resource,
  CASE WHEN status <> 'Active' THEN 'skip'
       WHEN create_date < now() - CAST({{max_key_age_days}} || ' days' AS INTERVAL) THEN 'alarm'
       ELSE 'ok' END AS status,
  access_key_id || ' of ' || user_name || ' is ' || CAST(date_part('day', now() - create_date) AS BIGINT) || ' day(s) old'
    || CASE WHEN status <> 'Active' THEN ' and inactive.' ELSE '.' END AS reason,
  account_id,
  region
FROM aws_iam_access_key
