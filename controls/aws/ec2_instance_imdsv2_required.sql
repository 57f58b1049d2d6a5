-- id: ec2_instance_imdsv2_required
-- title: EC2 instances require IMDSv2
-- severity: high
-- remediation: aws ec2 modify-instance-metadata-options --instance-id ID --http-tokens required
-- tags: ec2, cis:5.6, fsbp:EC2.8
SELECT
  arn AS resource,
  CASE WHEN metadata_options ->> 'HttpTokens' = 'required' THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN metadata_options ->> 'HttpTokens' = 'required' THEN instance_id || ' requires IMDSv2.'
       ELSE instance_id || ' allows IMDSv1 (HttpTokens ' || coalesce(metadata_options ->> 'HttpTokens', 'unknown') || ').' END AS reason,
  account_id,
  region
FROM aws_ec2_instance
WHERE instance_state <> 'terminated'
