-- id: lambda_function_not_public
-- title: Lambda functions cannot be invoked by anyone
-- severity: critical
-- remediation: Remove the policy statement with Principal "*", or limit it with aws:SourceAccount / aws:SourceArn. With the AWS CLI: aws lambda remove-permission --function-name NAME --statement-id SID
-- tags: lambda, public, fsbp:Lambda.1
WITH public_statements AS (
  SELECT arn, count(*) AS statements
  FROM (SELECT arn, unnest(json_get_array(policy_std, 'Statement')) AS s FROM aws_lambda_function)
  WHERE s ->> 'Effect' = 'Allow' AND json_get_str(s, 'Principal', 'AWS', 0) = '*' AND json_get(s, 'Condition') IS NULL
  GROUP BY arn
)
SELECT
  f.arn AS resource,
  CASE WHEN p.arn IS NULL THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN p.arn IS NULL THEN f.name || ' cannot be invoked by anyone.'
       ELSE f.name || ' can be invoked by anyone.' END AS reason,
  f.account_id,
  f.region
FROM aws_lambda_function f LEFT JOIN public_statements p ON p.arn = f.arn
