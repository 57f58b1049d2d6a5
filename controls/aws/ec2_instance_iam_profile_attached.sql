-- id: ec2_instance_iam_profile_attached
-- title: EC2 instances use an IAM instance profile
-- severity: low
-- remediation: Attach an instance profile instead of storing access keys on the instance. With the AWS CLI: aws ec2 associate-iam-instance-profile --instance-id ID --iam-instance-profile Name=PROFILE
-- tags: ec2, iam, cis:1.18
SELECT
  arn AS resource,
  CASE WHEN iam_instance_profile_arn IS NULL THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN iam_instance_profile_arn IS NULL THEN instance_id || ' has no instance profile.'
       ELSE instance_id || ' uses ' || iam_instance_profile_arn || '.' END AS reason,
  account_id,
  region
FROM aws_ec2_instance
WHERE instance_state <> 'terminated'
