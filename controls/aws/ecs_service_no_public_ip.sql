-- id: ecs_service_no_public_ip
-- title: ECS services do not assign public IP addresses to their tasks
-- severity: high
-- remediation: Turn off automatic public IP assignment in the service's awsvpc network configuration and reach the internet through a NAT gateway if needed. With the AWS CLI: aws ecs update-service --cluster CLUSTER --service NAME --network-configuration "awsvpcConfiguration={subnets=[SUBNET_ID],securityGroups=[SG_ID],assignPublicIp=DISABLED}"
-- tags: ecs, public, fsbp:ECS.2
SELECT
  service_arn AS resource,
  CASE WHEN network_configuration -> 'awsvpcConfiguration' ->> 'assignPublicIp' = 'ENABLED' THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN network_configuration -> 'awsvpcConfiguration' ->> 'assignPublicIp' = 'ENABLED'
         THEN service_name || ' assigns public IP addresses to its tasks.'
       ELSE service_name || ' does not assign public IP addresses to its tasks.' END AS reason,
  account_id,
  region
FROM aws_ecs_service
