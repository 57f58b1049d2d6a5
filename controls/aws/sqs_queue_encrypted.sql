-- id: sqs_queue_encrypted
-- title: SQS queues are encrypted at rest
-- severity: medium
-- remediation: Turn on server-side encryption, SQS-managed (SSE-SQS) or with a KMS key (SSE-KMS). With the AWS CLI: aws sqs set-queue-attributes --queue-url QUEUE_URL --attributes SqsManagedSseEnabled=true
-- tags: sqs, encryption, fsbp:SQS.1
SELECT
  coalesce(queue_arn, akas ->> 0) AS resource,
  CASE WHEN coalesce(kms_master_key_id, '') <> '' OR coalesce(sqs_managed_sse_enabled, false) THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(kms_master_key_id, '') <> '' THEN split_part(queue_arn, ':', 6) || ' is encrypted with ' || kms_master_key_id || '.'
       WHEN coalesce(sqs_managed_sse_enabled, false) THEN split_part(queue_arn, ':', 6) || ' is encrypted with SQS-managed keys.'
       ELSE split_part(queue_arn, ':', 6) || ' is not encrypted at rest.' END AS reason,
  account_id,
  region
FROM aws_sqs_queue
