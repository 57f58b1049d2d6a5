-- id: ec2_ami_public
-- title: AMIs are not public
-- severity: high
-- remediation: aws ec2 modify-image-attribute --image-id ID --launch-permission "Remove=[{Group=all}]"
-- tags: ec2, public
SELECT
  arn AS resource,
  CASE WHEN public THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN public THEN image_id || ' can be launched by anyone.' ELSE image_id || ' is private.' END AS reason,
  account_id,
  region
FROM aws_ec2_ami
