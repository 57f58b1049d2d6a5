-- id: elb_classic_lb_connection_draining
-- title: Classic Load Balancers drain connections
-- severity: low
-- remediation: Turn on connection draining so in-flight requests finish before an instance is deregistered. With the AWS CLI: aws elb modify-load-balancer-attributes --load-balancer-name NAME --load-balancer-attributes 'ConnectionDraining={Enabled=true,Timeout=300}'
-- tags: elb, resilience, fsbp:ELB.7
SELECT
  akas ->> 0 AS resource,
  CASE WHEN coalesce(load_balancer_attributes -> 'ConnectionDraining' ->> 'Enabled', 'false') = 'true' THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(load_balancer_attributes -> 'ConnectionDraining' ->> 'Enabled', 'false') = 'true' THEN name || ' drains connections.'
       ELSE name || ' does not drain connections.' END AS reason,
  account_id,
  region
FROM aws_ec2_classic_load_balancer
