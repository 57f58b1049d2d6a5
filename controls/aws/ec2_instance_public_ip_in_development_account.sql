-- id: ec2_instance_public_ip_in_development_account
-- title: EC2 instances in development accounts have no public IP address
-- severity: high
-- remediation: Development workloads should not be reachable from the internet; move them behind a VPN or SSM.
-- tags: ec2, network, organizations
-- var: development_accounts = dev
SELECT
  i.arn AS resource,
  CASE WHEN a.id IS NULL THEN 'skip'
       WHEN i.public_ip_address IS NULL THEN 'ok'
       ELSE 'alarm' END AS status,
  CASE WHEN a.id IS NULL THEN i.instance_id || ' is not in a development account.'
       WHEN i.public_ip_address IS NULL THEN i.instance_id || ' in development account ' || a.name || ' has no public IP.'
       ELSE i.instance_id || ' in development account ' || a.name || ' has public IP ' || i.public_ip_address || '.' END AS reason,
  i.account_id,
  i.region
FROM aws_ec2_instance i
LEFT JOIN aws_organizations_account a
  ON a.id = i.account_id
 AND (array_has(string_to_array(lower({{development_accounts}}), ','), lower(a.name))
      OR lower(a.tags ->> 'Environment') IN ('dev', 'development'))
WHERE i.instance_state <> 'terminated'
