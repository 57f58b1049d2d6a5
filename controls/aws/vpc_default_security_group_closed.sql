-- id: vpc_default_security_group_closed
-- title: Default security groups allow no traffic
-- severity: medium
-- remediation: Remove every inbound and outbound rule from each VPC's default security group, and use purpose-made groups. With the AWS CLI: aws ec2 revoke-security-group-ingress --group-id ID --ip-permissions file://rules.json; aws ec2 revoke-security-group-egress --group-id ID --ip-permissions file://rules.json
-- tags: vpc, network, cis:5.4, fsbp:EC2.2
SELECT
  arn AS resource,
  CASE WHEN coalesce(json_length(ip_permissions), 0) + coalesce(json_length(ip_permissions_egress), 0) = 0 THEN 'ok'
       ELSE 'alarm' END AS status,
  group_id || ' in ' || vpc_id || ' has ' || coalesce(json_length(ip_permissions), 0) || ' inbound and '
    || coalesce(json_length(ip_permissions_egress), 0) || ' outbound rule(s).' AS reason,
  account_id,
  region
FROM aws_vpc_security_group
WHERE group_name = 'default'
