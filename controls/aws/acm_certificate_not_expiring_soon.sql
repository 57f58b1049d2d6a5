-- id: acm_certificate_not_expiring_soon
-- title: ACM certificates are valid for more than 30 more days
-- severity: medium
-- remediation: Reimport a renewed certificate under the same ARN if it is imported, or fix the DNS validation records so ACM can renew it if it is Amazon-issued. With the AWS CLI: aws acm import-certificate --certificate-arn ARN --certificate fileb://cert.pem --private-key fileb://key.pem --certificate-chain fileb://chain.pem
-- tags: acm, encryption, fsbp:ACM.1
SELECT
  certificate_arn AS resource,
  CASE WHEN not_after IS NULL THEN 'skip'
       WHEN not_after > now() + INTERVAL '30 days' THEN 'ok'
       ELSE 'alarm' END AS status,
  CASE WHEN not_after IS NULL THEN domain_name || ' has no expiry date (status ' || coalesce(status, 'unknown') || ').'
       WHEN not_after <= now() THEN domain_name || ' expired on ' || CAST(CAST(not_after AS DATE) AS VARCHAR) || '.'
       WHEN not_after <= now() + INTERVAL '30 days' THEN domain_name || ' expires on ' || CAST(CAST(not_after AS DATE) AS VARCHAR)
         || ', in ' || CAST(date_part('day', not_after - now()) AS BIGINT) || ' day(s).'
       ELSE domain_name || ' is valid until ' || CAST(CAST(not_after AS DATE) AS VARCHAR) || '.' END AS reason,
  account_id,
  region
FROM aws_acm_certificate
