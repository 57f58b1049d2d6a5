-- id: s3_bucket_enforces_ssl
-- title: S3 bucket policies deny requests without TLS
-- severity: medium
-- remediation: Add a Deny statement for principal "*" with the condition {"Bool": {"aws:SecureTransport": "false"}}. With the AWS CLI: aws s3api put-bucket-policy --bucket NAME --policy file://deny-insecure-transport.json
-- tags: s3, encryption, cis:2.1.1, fsbp:S3.5
WITH tls_denied AS (
  SELECT DISTINCT name, account_id
  FROM (SELECT name, account_id, unnest(json_get_array(policy_std, 'Statement')) AS s FROM aws_s3_bucket)
  WHERE s ->> 'Effect' = 'Deny'
    AND json_get_str(s, 'Principal', 'AWS', 0) = '*'
    AND json_get_str(s, 'Condition', 'Bool', 'aws:securetransport', 0) = 'false'
)
SELECT
  b.arn AS resource,
  CASE WHEN t.name IS NULL THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN t.name IS NULL THEN b.name || ' accepts requests without TLS.' ELSE b.name || ' denies requests without TLS.' END AS reason,
  b.account_id,
  b.region
FROM aws_s3_bucket b LEFT JOIN tls_denied t ON t.name = b.name AND t.account_id = b.account_id
