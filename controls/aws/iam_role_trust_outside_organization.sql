-- id: iam_role_trust_outside_organization
-- title: IAM roles trust no account outside the organization without a condition
-- severity: high
-- remediation: Remove the foreign account from the trust policy, or require an sts:ExternalId or aws:PrincipalOrgID condition. With the AWS CLI: aws iam update-assume-role-policy --role-name ROLE --policy-document file://trust.json
-- tags: iam, organizations
WITH principals AS (
  SELECT arn, account_id, json_get_str(p) AS principal
  FROM (
    SELECT arn, account_id, unnest(json_get_array(s, 'Principal', 'AWS')) AS p
    FROM (SELECT arn, account_id, unnest(json_get_array(assume_role_policy_std, 'Statement')) AS s FROM aws_iam_role)
    WHERE s ->> 'Effect' = 'Allow' AND json_get(s, 'Condition') IS NULL
  )
),
foreign_accounts AS (
  SELECT p.arn, string_agg(DISTINCT split_part(p.principal, ':', 5), ', ') AS accounts
  FROM principals p LEFT JOIN aws_organizations_account o ON o.id = split_part(p.principal, ':', 5)
  WHERE p.principal LIKE 'arn:%' AND split_part(p.principal, ':', 5) <> p.account_id AND o.id IS NULL
  GROUP BY p.arn
)
SELECT
  r.arn AS resource,
  CASE WHEN f.arn IS NULL THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN f.arn IS NULL THEN r.name || ' trusts no account outside the organization without a condition.'
       ELSE r.name || ' trusts ' || f.accounts || ' without a condition.' END AS reason,
  r.account_id,
  r.region
FROM aws_iam_role r LEFT JOIN foreign_accounts f ON f.arn = r.arn
