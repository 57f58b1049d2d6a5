-- id: elb_load_balancer_access_logging
-- title: Application and Classic Load Balancers log access
-- severity: medium
-- remediation: Turn on access logs to an S3 bucket the load balancer may write to. With the AWS CLI: aws elbv2 modify-load-balancer-attributes --load-balancer-arn ARN --attributes Key=access_logs.s3.enabled,Value=true Key=access_logs.s3.bucket,Value=BUCKET (Classic: aws elb modify-load-balancer-attributes --load-balancer-name NAME --load-balancer-attributes 'AccessLog={Enabled=true,S3BucketName=BUCKET}')
-- tags: elb, logging, fsbp:ELB.5
WITH alb_attr AS (
  SELECT arn, a ->> 'Value' AS value
  FROM (SELECT arn, unnest(json_get_array(load_balancer_attributes)) AS a FROM aws_ec2_application_load_balancer)
  WHERE a ->> 'Key' = 'access_logs.s3.enabled'
)
SELECT
  b.arn AS resource,
  CASE WHEN coalesce(t.value, 'false') = 'true' THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(t.value, 'false') = 'true' THEN 'Application Load Balancer ' || b.name || ' logs access.'
       ELSE 'Application Load Balancer ' || b.name || ' does not log access.' END AS reason,
  b.account_id,
  b.region
FROM aws_ec2_application_load_balancer b
LEFT JOIN alb_attr t ON t.arn = b.arn
UNION ALL
SELECT
  akas ->> 0 AS resource,
  CASE WHEN coalesce(load_balancer_attributes -> 'AccessLog' ->> 'Enabled', 'false') = 'true' THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(load_balancer_attributes -> 'AccessLog' ->> 'Enabled', 'false') = 'true' THEN 'Classic Load Balancer ' || name || ' logs access.'
       ELSE 'Classic Load Balancer ' || name || ' does not log access.' END AS reason,
  account_id,
  region
FROM aws_ec2_classic_load_balancer
