-- id: cloudtrail_trail_encrypted_kms
-- title: CloudTrail trails encrypt their log files with KMS
-- severity: medium
-- remediation: Encrypt the trail's log files with a customer managed KMS key whose policy lets CloudTrail use it. With the AWS CLI: aws cloudtrail update-trail --name TRAIL --kms-key-id KEY_ARN
-- tags: cloudtrail, encryption, logging, fsbp:CloudTrail.2, cis:3.5
SELECT
  arn AS resource,
  CASE WHEN coalesce(kms_key_id, '') <> '' THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(kms_key_id, '') <> '' THEN name || ' encrypts its logs with ' || kms_key_id || '.'
       ELSE name || ' does not encrypt its logs with KMS.' END AS reason,
  account_id,
  region
FROM aws_cloudtrail_trail
