-- id: elb_application_lb_drop_invalid_header_fields
-- title: Application Load Balancers drop invalid HTTP header fields
-- severity: medium
-- remediation: Turn on routing.http.drop_invalid_header_fields.enabled so the load balancer removes headers that do not match the HTTP grammar. With the AWS CLI: aws elbv2 modify-load-balancer-attributes --load-balancer-arn ARN --attributes Key=routing.http.drop_invalid_header_fields.enabled,Value=true
-- tags: elb, network, fsbp:ELB.4
WITH attr AS (
  SELECT arn, a ->> 'Value' AS value
  FROM (SELECT arn, unnest(json_get_array(load_balancer_attributes)) AS a FROM aws_ec2_application_load_balancer)
  WHERE a ->> 'Key' = 'routing.http.drop_invalid_header_fields.enabled'
)
SELECT
  b.arn AS resource,
  CASE WHEN coalesce(t.value, 'false') = 'true' THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(t.value, 'false') = 'true' THEN b.name || ' drops invalid header fields.'
       ELSE b.name || ' passes invalid header fields through to its targets.' END AS reason,
  b.account_id,
  b.region
FROM aws_ec2_application_load_balancer b
LEFT JOIN attr t ON t.arn = b.arn
