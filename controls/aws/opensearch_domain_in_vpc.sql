-- id: opensearch_domain_in_vpc
-- title: OpenSearch domains are in a VPC
-- severity: critical
-- remediation: A domain cannot move into a VPC: create a new domain with VPC access, migrate the data (snapshot and restore), and delete the public one. With the AWS CLI: aws opensearch create-domain --domain-name NAME --vpc-options SubnetIds=SUBNET_ID,SecurityGroupIds=SG_ID
-- tags: opensearch, public, network, fsbp:Opensearch.2
SELECT
  arn AS resource,
  CASE WHEN coalesce(vpc_options ->> 'VPCId', '') <> '' THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(vpc_options ->> 'VPCId', '') <> '' THEN domain_name || ' is in ' || (vpc_options ->> 'VPCId') || '.'
       ELSE domain_name || ' has a public endpoint, outside any VPC.' END AS reason,
  account_id,
  region
FROM aws_opensearch_domain
