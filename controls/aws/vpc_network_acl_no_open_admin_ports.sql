-- id: vpc_network_acl_no_open_admin_ports
-- title: Network ACLs do not allow SSH (22) or RDP (3389) from the whole internet
-- severity: medium
-- remediation: Replace inbound allow entries from 0.0.0.0/0 or ::/0 that cover port 22 or 3389 with entries scoped to known sources, or add lower-numbered deny entries for those ports. With the AWS CLI: aws ec2 replace-network-acl-entry --network-acl-id ACL_ID --ingress --rule-number 100 --protocol tcp --port-range From=443,To=443 --cidr-block 0.0.0.0/0 --rule-action allow
-- tags: vpc, network, public, fsbp:EC2.21, cis:5.1
WITH open_entries AS (
  SELECT account_id, region, network_acl_id,
         string_agg(DISTINCT CAST(e ->> 'RuleNumber' AS VARCHAR), ', ') AS rules
  FROM (SELECT account_id, region, network_acl_id, unnest(json_get_array(entries)) AS e FROM aws_vpc_network_acl)
  WHERE e ->> 'Egress' = 'false'
    AND e ->> 'RuleAction' = 'allow'
    AND (e ->> 'CidrBlock' = '0.0.0.0/0' OR e ->> 'Ipv6CidrBlock' = '::/0')
    AND (e ->> 'Protocol' = '-1'
         OR (e ->> 'Protocol' IN ('6', '17')
             AND (CAST(e -> 'PortRange' ->> 'From' AS BIGINT) <= 22 AND CAST(e -> 'PortRange' ->> 'To' AS BIGINT) >= 22
                  OR CAST(e -> 'PortRange' ->> 'From' AS BIGINT) <= 3389 AND CAST(e -> 'PortRange' ->> 'To' AS BIGINT) >= 3389)))
  GROUP BY account_id, region, network_acl_id
)
SELECT
  a.akas ->> 0 AS resource,
  CASE WHEN o.rules IS NULL THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN o.rules IS NULL THEN a.network_acl_id || ' in ' || a.vpc_id || ' does not allow port 22 or 3389 from the internet.'
       ELSE a.network_acl_id || ' in ' || a.vpc_id || ' allows port 22 or 3389 from the internet (rule ' || o.rules || ').' END AS reason,
  a.account_id,
  a.region
FROM aws_vpc_network_acl a
LEFT JOIN open_entries o ON o.account_id = a.account_id AND o.region = a.region AND o.network_acl_id = a.network_acl_id
