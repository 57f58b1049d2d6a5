-- id: sns_topic_encrypted_kms
-- title: SNS topics are encrypted at rest with KMS
-- severity: medium
-- remediation: Turn on server-side encryption with a KMS key (the AWS managed alias/aws/sns, or a customer managed key for cross-account publishers). With the AWS CLI: aws sns set-topic-attributes --topic-arn TOPIC_ARN --attribute-name KmsMasterKeyId --attribute-value alias/aws/sns
-- tags: sns, encryption, fsbp:SNS.1
SELECT
  topic_arn AS resource,
  CASE WHEN coalesce(kms_master_key_id, '') <> '' THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(kms_master_key_id, '') <> '' THEN split_part(topic_arn, ':', 6) || ' is encrypted with ' || kms_master_key_id || '.'
       ELSE split_part(topic_arn, ':', 6) || ' is not encrypted with KMS.' END AS reason,
  account_id,
  region
FROM aws_sns_topic
