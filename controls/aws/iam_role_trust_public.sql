-- id: iam_role_trust_public
-- title: IAM roles cannot be assumed by anyone
-- severity: critical
-- remediation: Name the principals that may assume the role, or add a condition such as aws:PrincipalOrgID. With the AWS CLI: aws iam update-assume-role-policy --role-name ROLE --policy-document file://trust.json
-- tags: iam, public
WITH public_statements AS (
  SELECT arn, count(*) AS statements
  FROM (SELECT arn, unnest(json_get_array(assume_role_policy_std, 'Statement')) AS s FROM aws_iam_role)
  WHERE s ->> 'Effect' = 'Allow' AND json_get_str(s, 'Principal', 'AWS', 0) = '*' AND json_get(s, 'Condition') IS NULL
  GROUP BY arn
)
SELECT
  r.arn AS resource,
  CASE WHEN p.arn IS NULL THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN p.arn IS NULL THEN r.name || ' trusts named principals only.'
       ELSE r.name || ' can be assumed by anyone (Principal "*" without a condition).' END AS reason,
  r.account_id,
  r.region
FROM aws_iam_role r LEFT JOIN public_statements p ON p.arn = r.arn
