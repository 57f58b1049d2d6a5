-- id: autoscaling_group_elb_health_check
-- title: Auto Scaling groups behind a load balancer use ELB health checks
-- severity: low
-- remediation: Switch the group's health check type to ELB so instances the load balancer finds unhealthy are replaced. With the AWS CLI: aws autoscaling update-auto-scaling-group --auto-scaling-group-name NAME --health-check-type ELB --health-check-grace-period 300
-- tags: autoscaling, resilience, fsbp:AutoScaling.1
SELECT
  autoscaling_group_arn AS resource,
  CASE WHEN coalesce(json_length(load_balancer_names), 0) + coalesce(json_length(target_group_arns), 0) = 0 THEN 'skip'
       WHEN coalesce(health_check_type, '') LIKE '%ELB%' THEN 'ok'
       ELSE 'alarm' END AS status,
  CASE WHEN coalesce(json_length(load_balancer_names), 0) + coalesce(json_length(target_group_arns), 0) = 0
         THEN name || ' is not attached to a load balancer or target group.'
       WHEN coalesce(health_check_type, '') LIKE '%ELB%' THEN name || ' uses ELB health checks.'
       ELSE name || ' is behind a load balancer but uses ' || coalesce(health_check_type, 'no') || ' health checks only.' END AS reason,
  account_id,
  region
FROM aws_ec2_autoscaling_group
