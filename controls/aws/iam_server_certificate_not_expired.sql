-- id: iam_server_certificate_not_expired
-- title: IAM holds no expired server certificates
-- severity: medium
-- remediation: Delete expired server certificates so that nothing can deploy them by mistake (move TLS to ACM where the service allows). With the AWS CLI: aws iam delete-server-certificate --server-certificate-name NAME
-- tags: iam, certificates, cis:1.19
SELECT
  arn AS resource,
  CASE WHEN expiration IS NULL THEN 'skip' WHEN expiration < now() THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN expiration IS NULL THEN name || ' reports no expiry date.'
       WHEN expiration < now() THEN name || ' expired on ' || to_char(expiration, 'YYYY-MM-DD') || '.'
       ELSE name || ' is valid until ' || to_char(expiration, 'YYYY-MM-DD') || '.' END AS reason,
  account_id,
  region
FROM aws_iam_server_certificate
