-- id: opensearch_domain_node_to_node_encryption
-- title: OpenSearch domains encrypt traffic between nodes
-- severity: medium
-- remediation: Turn on node-to-node encryption (domains on OpenSearch 1.x / Elasticsearch 6.7 or later can do it in place). With the AWS CLI: aws opensearch update-domain-config --domain-name NAME --node-to-node-encryption-options Enabled=true
-- tags: opensearch, encryption, fsbp:Opensearch.3
SELECT
  arn AS resource,
  CASE WHEN node_to_node_encryption_options ->> 'Enabled' = 'true' THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN node_to_node_encryption_options ->> 'Enabled' = 'true' THEN domain_name || ' encrypts traffic between nodes.'
       ELSE domain_name || ' does not encrypt traffic between nodes.' END AS reason,
  account_id,
  region
FROM aws_opensearch_domain
