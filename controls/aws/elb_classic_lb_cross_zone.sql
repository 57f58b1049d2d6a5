-- id: elb_classic_lb_cross_zone
-- title: Classic Load Balancers balance across Availability Zones
-- severity: medium
-- remediation: Turn on cross-zone load balancing so traffic spreads evenly over the instances in every zone. With the AWS CLI: aws elb modify-load-balancer-attributes --load-balancer-name NAME --load-balancer-attributes 'CrossZoneLoadBalancing={Enabled=true}'
-- tags: elb, resilience, fsbp:ELB.9
SELECT
  akas ->> 0 AS resource,
  CASE WHEN coalesce(load_balancer_attributes -> 'CrossZoneLoadBalancing' ->> 'Enabled', 'false') = 'true' THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(load_balancer_attributes -> 'CrossZoneLoadBalancing' ->> 'Enabled', 'false') = 'true' THEN name || ' balances across zones.'
       ELSE name || ' does not balance across zones.' END AS reason,
  account_id,
  region
FROM aws_ec2_classic_load_balancer
