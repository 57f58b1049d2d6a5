-- id: vpc_subnet_auto_assign_public_ip_disabled
-- title: Subnets do not give instances public IP addresses automatically
-- severity: low
-- remediation: aws ec2 modify-subnet-attribute --subnet-id ID --no-map-public-ip-on-launch
-- tags: vpc, network, fsbp:EC2.15
SELECT
  subnet_arn AS resource,
  CASE WHEN map_public_ip_on_launch THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN map_public_ip_on_launch THEN subnet_id || ' assigns public IPs on launch.'
       ELSE subnet_id || ' does not assign public IPs.' END AS reason,
  account_id,
  region
FROM aws_vpc_subnet
