-- id: opensearch_domain_encrypted_at_rest
-- title: OpenSearch domains encrypt data at rest
-- severity: medium
-- remediation: Turn on encryption at rest (domains on OpenSearch 1.x / Elasticsearch 6.7 or later can do it in place). With the AWS CLI: aws opensearch update-domain-config --domain-name NAME --encryption-at-rest-options Enabled=true
-- tags: opensearch, encryption, fsbp:Opensearch.1
SELECT
  arn AS resource,
  CASE WHEN encryption_at_rest_options ->> 'Enabled' = 'true' THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN encryption_at_rest_options ->> 'Enabled' = 'true' THEN domain_name || ' encrypts data at rest.'
       ELSE domain_name || ' does not encrypt data at rest.' END AS reason,
  account_id,
  region
FROM aws_opensearch_domain
