-- id: acm_certificate_rsa_key_length
-- title: ACM certificates with RSA keys use at least 2048 bits
-- severity: high
-- remediation: Request or import a replacement certificate with an RSA key of 2048 bits or more (or an ECDSA key), move its users to it, and delete the weak one. With the AWS CLI: aws acm request-certificate --domain-name DOMAIN --key-algorithm RSA_2048 --validation-method DNS
-- tags: acm, encryption, fsbp:ACM.2
SELECT
  certificate_arn AS resource,
  CASE WHEN key_algorithm IS NULL THEN 'skip'
       WHEN key_algorithm IN ('RSA_1024', 'RSA_1536') THEN 'alarm'
       ELSE 'ok' END AS status,
  CASE WHEN key_algorithm IS NULL THEN domain_name || ' reports no key algorithm.'
       ELSE domain_name || ' uses a ' || key_algorithm || ' key.' END AS reason,
  account_id,
  region
FROM aws_acm_certificate
