-- id: ecr_repository_tag_immutability
-- title: ECR repositories make image tags immutable
-- severity: medium
-- remediation: Set the repository's image tag mutability to IMMUTABLE so a pushed tag cannot be overwritten. With the AWS CLI: aws ecr put-image-tag-mutability --repository-name NAME --image-tag-mutability IMMUTABLE
-- tags: ecr, integrity, fsbp:ECR.2
SELECT
  arn AS resource,
  CASE WHEN coalesce(image_tag_mutability, '') LIKE 'IMMUTABLE%' THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(image_tag_mutability, '') LIKE 'IMMUTABLE%' THEN repository_name || ' has immutable image tags (' || image_tag_mutability || ').'
       ELSE repository_name || ' lets image tags be overwritten (' || coalesce(image_tag_mutability, 'unknown') || ').' END AS reason,
  account_id,
  region
FROM aws_ecr_repository
