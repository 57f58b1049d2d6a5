-- id: sagemaker_notebook_no_direct_internet
-- title: SageMaker notebook instances have no direct internet access
-- severity: high
-- remediation: Direct internet access is set at creation: recreate the notebook instance in a VPC subnet with direct internet access disabled, reaching the internet (if needed) through a NAT gateway. With the AWS CLI: aws sagemaker create-notebook-instance --notebook-instance-name NAME --instance-type ml.t3.medium --role-arn ROLE_ARN --subnet-id SUBNET_ID --security-group-ids SG_ID --direct-internet-access Disabled
-- tags: sagemaker, public, network, fsbp:SageMaker.1
SELECT
  arn AS resource,
  CASE WHEN direct_internet_access = 'Disabled' THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN direct_internet_access = 'Disabled' THEN name || ' has no direct internet access.'
       WHEN direct_internet_access IS NULL THEN name || ' does not report its direct internet access; Enabled is the default.'
       ELSE name || ' has direct internet access.' END AS reason,
  account_id,
  region
FROM aws_sagemaker_notebook_instance
