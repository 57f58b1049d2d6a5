-- id: vpc_flow_logs_enabled
-- title: VPC flow logging captures rejected traffic in every VPC
-- severity: medium
-- remediation: Create a flow log for the VPC that captures at least rejected traffic, to CloudWatch Logs or S3. With the AWS CLI: aws ec2 create-flow-logs --resource-type VPC --resource-ids VPC_ID --traffic-type REJECT --log-destination-type s3 --log-destination arn:aws:s3:::BUCKET
-- tags: vpc, logging, network, fsbp:EC2.6, cis:3.7
WITH logged AS (
  SELECT account_id, region, resource_id, string_agg(flow_log_id || ' (' || traffic_type || ')', ', ') AS flow_logs
  FROM aws_vpc_flow_log
  WHERE traffic_type IN ('ALL', 'REJECT') AND coalesce(flow_log_status, 'ACTIVE') = 'ACTIVE'
  GROUP BY account_id, region, resource_id
)
SELECT
  v.arn AS resource,
  CASE WHEN f.flow_logs IS NULL THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN f.flow_logs IS NULL THEN v.vpc_id || ' has no flow log capturing rejected traffic.'
       ELSE v.vpc_id || ' is logged by ' || f.flow_logs || '.' END AS reason,
  v.account_id,
  v.region
FROM aws_vpc v
LEFT JOIN logged f ON f.account_id = v.account_id AND f.region = v.region AND f.resource_id = v.vpc_id
