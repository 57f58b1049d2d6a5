-- id: elb_application_lb_deletion_protection
-- title: Application Load Balancers have deletion protection on
-- severity: medium
-- remediation: Turn on deletion protection so the load balancer cannot be deleted by mistake. With the AWS CLI: aws elbv2 modify-load-balancer-attributes --load-balancer-arn ARN --attributes Key=deletion_protection.enabled,Value=true
-- tags: elb, resilience, fsbp:ELB.6
WITH attr AS (
  SELECT arn, a ->> 'Value' AS value
  FROM (SELECT arn, unnest(json_get_array(load_balancer_attributes)) AS a FROM aws_ec2_application_load_balancer)
  WHERE a ->> 'Key' = 'deletion_protection.enabled'
)
SELECT
  b.arn AS resource,
  CASE WHEN coalesce(t.value, 'false') = 'true' THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(t.value, 'false') = 'true' THEN b.name || ' has deletion protection on.'
       ELSE b.name || ' has deletion protection off.' END AS reason,
  b.account_id,
  b.region
FROM aws_ec2_application_load_balancer b
LEFT JOIN attr t ON t.arn = b.arn
