-- id: codebuild_project_privileged_mode_disabled
-- title: CodeBuild projects do not run builds in privileged mode
-- severity: high
-- remediation: Turn off privileged mode in the project's build environment unless it builds Docker images. With the AWS CLI: aws codebuild update-project --name NAME --environment type=LINUX_CONTAINER,image=IMAGE,computeType=COMPUTE_TYPE,privilegedMode=false
-- tags: codebuild, privilege, fsbp:CodeBuild.5
SELECT
  arn AS resource,
  CASE WHEN coalesce(environment ->> 'privilegedMode', 'false') = 'true' THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN coalesce(environment ->> 'privilegedMode', 'false') = 'true' THEN name || ' runs builds in privileged mode.'
       ELSE name || ' does not run builds in privileged mode.' END AS reason,
  account_id,
  region
FROM aws_codebuild_project
