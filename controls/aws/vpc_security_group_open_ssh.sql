-- id: vpc_security_group_open_ssh
-- title: Security groups do not allow SSH (22) from the whole internet
-- severity: critical
-- remediation: Remove ingress rules from 0.0.0.0/0 and ::/0 covering port 22; reach instances through SSM Session Manager or a VPN. With the AWS CLI: aws ec2 revoke-security-group-ingress --group-id ID --protocol tcp --port 22 --cidr 0.0.0.0/0
-- tags: vpc, network, cis:5.2, cis:5.3, fsbp:EC2.13
WITH open_rules AS (
  SELECT group_id, account_id, region, count(*) AS rules
  FROM aws_vpc_security_group_rule
  WHERE NOT is_egress
    AND (cidr_ipv4 = '0.0.0.0/0' OR cidr_ipv6 = '::/0')
    AND (ip_protocol = '-1' OR (ip_protocol IN ('tcp', '6') AND 22 BETWEEN from_port AND to_port))
  GROUP BY group_id, account_id, region
)
SELECT
  g.arn AS resource,
  CASE WHEN o.rules IS NULL THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN o.rules IS NULL THEN g.group_id || ' does not open port 22 to the internet.'
       ELSE g.group_id || ' (' || g.group_name || ') opens port 22 to the internet in ' || o.rules || ' rule(s).' END AS reason,
  g.account_id,
  g.region
FROM aws_vpc_security_group g
LEFT JOIN open_rules o ON o.group_id = g.group_id AND o.account_id = g.account_id AND o.region = g.region
