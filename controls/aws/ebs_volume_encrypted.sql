-- id: ebs_volume_encrypted
-- title: EBS volumes are encrypted
-- severity: medium
-- remediation: Snapshot the volume, copy the snapshot with encryption, and replace the volume; turn on EBS encryption by default. With the AWS CLI: aws ec2 enable-ebs-encryption-by-default (new volumes)
-- tags: ebs, encryption, fsbp:EC2.3
SELECT
  arn AS resource,
  CASE WHEN encrypted THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN encrypted THEN volume_id || ' is encrypted.' ELSE volume_id || ' is not encrypted.' END AS reason,
  account_id,
  region
FROM aws_ebs_volume
