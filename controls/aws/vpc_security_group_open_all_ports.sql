-- id: vpc_security_group_open_all_ports
-- title: Security groups do not allow all traffic from the whole internet
-- severity: critical
-- remediation: Replace "all traffic" ingress rules from 0.0.0.0/0 or ::/0 with the ports the workload needs, from the sources that need them. With the AWS CLI: aws ec2 revoke-security-group-ingress --group-id ID --ip-permissions 'IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]'
-- tags: vpc, network
WITH open_rules AS (
  SELECT group_id, account_id, region, count(*) AS rules
  FROM aws_vpc_security_group_rule
  WHERE NOT is_egress
    AND (cidr_ipv4 = '0.0.0.0/0' OR cidr_ipv6 = '::/0')
    AND (ip_protocol = '-1' OR (from_port <= 0 AND to_port >= 65535))
  GROUP BY group_id, account_id, region
)
SELECT
  g.arn AS resource,
  CASE WHEN o.rules IS NULL THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN o.rules IS NULL THEN g.group_id || ' does not open all ports to the internet.'
       ELSE g.group_id || ' (' || g.group_name || ') opens all ports to the internet.' END AS reason,
  g.account_id,
  g.region
FROM aws_vpc_security_group g
LEFT JOIN open_rules o ON o.group_id = g.group_id AND o.account_id = g.account_id AND o.region = g.region
