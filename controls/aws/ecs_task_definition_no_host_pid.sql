-- id: ecs_task_definition_no_host_pid
-- title: ECS task definitions do not share the host's process namespace
-- severity: high
-- remediation: Register a new revision of the task definition without `pidMode: host` and move the services to it. With the AWS CLI: aws ecs register-task-definition --cli-input-json file://task-definition-task-pid-mode.json
-- tags: ecs, containers, fsbp:ECS.3
SELECT
  task_definition_arn AS resource,
  CASE WHEN pid_mode = 'host' THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN pid_mode = 'host' THEN family || ':' || revision || ' shares the host''s process namespace.'
       ELSE family || ':' || revision || ' keeps its own process namespace.' END AS reason,
  account_id,
  region
FROM aws_ecs_task_definition
WHERE status = 'ACTIVE'
