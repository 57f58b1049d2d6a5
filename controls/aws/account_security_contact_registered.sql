-- id: account_security_contact_registered
-- title: Every account has a security contact registered
-- severity: medium
-- remediation: Register the team AWS should reach about security issues in the account. With the AWS CLI: aws account put-alternate-contact --alternate-contact-type SECURITY --name NAME --title TITLE --email-address EMAIL --phone-number PHONE
-- tags: account, cis:1.2
SELECT
  'arn:' || a.partition || ':::' || a.account_id AS resource,
  CASE WHEN c.email_address IS NULL THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN c.email_address IS NULL THEN 'No security contact is registered.'
       ELSE 'Security contact ' || c.name || ' <' || c.email_address || '> is registered.' END AS reason,
  a.account_id,
  a.region
FROM aws_account a
LEFT JOIN aws_account_alternate_contact c ON c.account_id = a.account_id AND c.contact_type = 'SECURITY'
