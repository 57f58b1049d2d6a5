-- id: sagemaker_notebook_root_access_disabled
-- title: SageMaker notebook instances deny users root access
-- severity: high
-- remediation: Stop the notebook instance, turn root access off, and start it again. With the AWS CLI: aws sagemaker stop-notebook-instance --notebook-instance-name NAME; aws sagemaker update-notebook-instance --notebook-instance-name NAME --root-access Disabled; aws sagemaker start-notebook-instance --notebook-instance-name NAME
-- tags: sagemaker, access, fsbp:SageMaker.3
SELECT
  arn AS resource,
  CASE WHEN root_access = 'Disabled' THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN root_access = 'Disabled' THEN name || ' denies users root access.'
       WHEN root_access IS NULL THEN name || ' does not report its root access setting; Enabled is the default.'
       ELSE name || ' gives users root access.' END AS reason,
  account_id,
  region
FROM aws_sagemaker_notebook_instance
