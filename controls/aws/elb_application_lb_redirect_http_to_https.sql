-- id: elb_application_lb_redirect_http_to_https
-- title: Application Load Balancer HTTP listeners redirect to HTTPS
-- severity: medium
-- remediation: Make each HTTP listener's default action a redirect to HTTPS on port 443. With the AWS CLI: aws elbv2 modify-listener --listener-arn LISTENER_ARN --default-actions 'Type=redirect,RedirectConfig={Protocol=HTTPS,Port=443,StatusCode=HTTP_301}'
-- tags: elb, encryption, fsbp:ELB.1
WITH redirecting AS (
  SELECT DISTINCT arn
  FROM (SELECT arn, unnest(json_get_array(default_actions)) AS a FROM aws_ec2_load_balancer_listener WHERE protocol = 'HTTP')
  WHERE a ->> 'Type' = 'redirect' AND a -> 'RedirectConfig' ->> 'Protocol' = 'HTTPS'
)
SELECT
  l.arn AS resource,
  CASE WHEN r.arn IS NULL THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN r.arn IS NULL THEN 'HTTP listener on port ' || l.port || ' of ' || split_part(l.load_balancer_arn, '/', 3) || ' does not redirect to HTTPS.'
       ELSE 'HTTP listener on port ' || l.port || ' of ' || split_part(l.load_balancer_arn, '/', 3) || ' redirects to HTTPS.' END AS reason,
  l.account_id,
  l.region
FROM aws_ec2_load_balancer_listener l
LEFT JOIN redirecting r ON r.arn = l.arn
WHERE l.protocol = 'HTTP'
