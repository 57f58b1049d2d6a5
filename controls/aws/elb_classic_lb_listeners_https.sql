-- id: elb_classic_lb_listeners_https
-- title: Classic Load Balancer listeners terminate HTTPS or TLS
-- severity: medium
-- remediation: Replace HTTP and TCP front-end listeners with HTTPS or SSL listeners that carry a certificate. With the AWS CLI: aws elb create-load-balancer-listeners --load-balancer-name NAME --listeners Protocol=HTTPS,LoadBalancerPort=443,InstanceProtocol=HTTP,InstancePort=80,SSLCertificateId=CERT_ARN; aws elb delete-load-balancer-listeners --load-balancer-name NAME --load-balancer-ports 80
-- tags: elb, encryption, fsbp:ELB.3
WITH plain AS (
  SELECT account_id, region, name,
         string_agg(DISTINCT (l -> 'Listener' ->> 'Protocol') || ':' || (l -> 'Listener' ->> 'LoadBalancerPort'), ', ') AS listeners
  FROM (SELECT account_id, region, name, unnest(json_get_array(listener_descriptions)) AS l FROM aws_ec2_classic_load_balancer)
  WHERE upper(l -> 'Listener' ->> 'Protocol') NOT IN ('HTTPS', 'SSL')
  GROUP BY account_id, region, name
)
SELECT
  b.akas ->> 0 AS resource,
  CASE WHEN p.name IS NULL THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN p.name IS NULL THEN b.name || ' listens only on HTTPS or SSL.'
       ELSE b.name || ' has unencrypted listener(s): ' || p.listeners || '.' END AS reason,
  b.account_id,
  b.region
FROM aws_ec2_classic_load_balancer b
LEFT JOIN plain p ON p.account_id = b.account_id AND p.region = b.region AND p.name = b.name
