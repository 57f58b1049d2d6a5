-- id: iam_policy_no_star_star
-- title: Attached customer managed policies do not grant *:* on *
-- severity: high
-- remediation: Replace full-admin statements with the actions and resources the principals need. With the AWS CLI: aws iam create-policy-version --policy-arn ARN --policy-document file://least-privilege.json --set-as-default
-- tags: iam, least-privilege, cis:1.16, fsbp:IAM.1
WITH admin AS (
  SELECT DISTINCT arn
  FROM (SELECT arn, unnest(json_get_array(policy_std, 'Statement')) AS s FROM aws_iam_policy)
  WHERE s ->> 'Effect' = 'Allow'
    AND (json_get_str(s, 'Action', 0) IN ('*', '*:*'))
    AND json_get_str(s, 'Resource', 0) = '*'
)
SELECT
  p.arn AS resource,
  CASE WHEN a.arn IS NULL OR NOT p.is_attached THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN a.arn IS NULL THEN p.name || ' does not grant *:* on *.'
       WHEN NOT p.is_attached THEN p.name || ' grants *:* on * but is attached to nothing.'
       ELSE p.name || ' grants *:* on * to ' || p.attachment_count || ' principal(s).' END AS reason,
  p.account_id,
  p.region
FROM aws_iam_policy p LEFT JOIN admin a ON a.arn = p.arn
