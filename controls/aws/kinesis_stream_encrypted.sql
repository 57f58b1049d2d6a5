-- id: kinesis_stream_encrypted
-- title: Kinesis data streams are encrypted at rest
-- severity: medium
-- remediation: Turn on server-side encryption with a KMS key. With the AWS CLI: aws kinesis start-stream-encryption --stream-name NAME --encryption-type KMS --key-id alias/aws/kinesis
-- tags: kinesis, encryption, fsbp:Kinesis.1
SELECT
  stream_arn AS resource,
  CASE WHEN encryption_type = 'KMS' THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN encryption_type = 'KMS' THEN stream_name || ' is encrypted with ' || coalesce(key_id, 'a KMS key') || '.'
       ELSE stream_name || ' is not encrypted at rest.' END AS reason,
  account_id,
  region
FROM aws_kinesis_stream
