-- id: emr_cluster_primary_node_no_public_ip
-- title: EMR cluster primary nodes have no public IP address
-- severity: high
-- remediation: Launch clusters in a private subnet (reached through a NAT gateway or VPC endpoints), as a running cluster's subnet cannot change; turn on EMR block public access for the region. With the AWS CLI: aws emr put-block-public-access-configuration --block-public-access-configuration BlockPublicSecurityGroupRules=true
-- tags: emr, public, network, fsbp:EMR.1
SELECT
  cluster_arn AS resource,
  CASE WHEN master_public_dns_name LIKE 'ec2-%' OR master_public_dns_name LIKE '%.amazonaws.com' THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN master_public_dns_name LIKE 'ec2-%' OR master_public_dns_name LIKE '%.amazonaws.com'
       THEN name || ' (' || id || ') has a primary node reachable at the public name ' || master_public_dns_name || '.'
       WHEN master_public_dns_name IS NULL THEN name || ' (' || id || ') has no primary node address.'
       ELSE name || ' (' || id || ') has a private primary node (' || master_public_dns_name || ').' END AS reason,
  account_id,
  region
FROM aws_emr_cluster
WHERE state NOT IN ('TERMINATING', 'TERMINATED', 'TERMINATED_WITH_ERRORS')
