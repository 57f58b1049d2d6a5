-- id: ec2_instance_public_ip
-- title: EC2 instances have no public IP address
-- severity: medium
-- remediation: Launch into a private subnet, or disassociate the public address and reach the instance through a load balancer or SSM.
-- tags: ec2, network, fsbp:EC2.9
SELECT
  arn AS resource,
  CASE WHEN public_ip_address IS NULL THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN public_ip_address IS NULL THEN instance_id || ' has no public IP.'
       ELSE instance_id || ' has public IP ' || public_ip_address || '.' END AS reason,
  account_id,
  region
FROM aws_ec2_instance
WHERE instance_state <> 'terminated'
