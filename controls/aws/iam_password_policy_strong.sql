-- id: iam_password_policy_strong
-- title: The account password policy is strong
-- severity: medium
-- remediation: aws iam update-account-password-policy --minimum-password-length 14 --password-reuse-prevention 24 --require-symbols --require-numbers --require-uppercase-characters --require-lowercase-characters --max-password-age 90
-- tags: iam, cis:1.8, cis:1.9, fsbp:IAM.7
WITH checked AS (
  SELECT a.partition, a.account_id, a.region, p.account_id AS has_policy,
    concat_ws(', ',
      CASE WHEN coalesce(p.minimum_password_length, 0) < 14 THEN 'minimum length ' || coalesce(p.minimum_password_length, 0) || ' < 14' END,
      CASE WHEN coalesce(p.password_reuse_prevention, 0) < 24 THEN 'reuse prevention ' || coalesce(p.password_reuse_prevention, 0) || ' < 24' END,
      CASE WHEN NOT coalesce(p.require_symbols, false) THEN 'no symbol required' END,
      CASE WHEN NOT coalesce(p.require_numbers, false) THEN 'no number required' END,
      CASE WHEN NOT coalesce(p.require_uppercase_characters, false) THEN 'no uppercase required' END,
      CASE WHEN NOT coalesce(p.require_lowercase_characters, false) THEN 'no lowercase required' END,
      CASE WHEN coalesce(p.max_password_age, 0) NOT BETWEEN 1 AND 90 THEN 'passwords do not expire within 90 days' END
    ) AS weaknesses
  FROM aws_account a LEFT JOIN aws_iam_account_password_policy p ON p.account_id = a.account_id
)
SELECT
  'arn:' || partition || ':iam::' || account_id || ':account-password-policy' AS resource,
  CASE WHEN weaknesses = '' THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN has_policy IS NULL THEN 'The account has no password policy.'
       WHEN weaknesses = '' THEN 'The password policy is strong.'
       ELSE 'The password policy is weak: ' || weaknesses || '.' END AS reason,
  account_id,
  region
FROM checked
