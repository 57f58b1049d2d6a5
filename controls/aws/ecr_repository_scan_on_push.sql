-- id: ecr_repository_scan_on_push
-- title: ECR repositories scan images on push
-- severity: high
-- remediation: Turn on scan on push for the repository (or configure enhanced scanning for the registry). With the AWS CLI: aws ecr put-image-scanning-configuration --repository-name NAME --image-scanning-configuration scanOnPush=true
-- tags: ecr, vulnerability, fsbp:ECR.1
SELECT
  arn AS resource,
  CASE WHEN coalesce(image_scanning_configuration ->> 'scanOnPush', 'false') = 'true' THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(image_scanning_configuration ->> 'scanOnPush', 'false') = 'true' THEN repository_name || ' scans images on push.'
       ELSE repository_name || ' does not scan images on push.' END AS reason,
  account_id,
  region
FROM aws_ecr_repository
