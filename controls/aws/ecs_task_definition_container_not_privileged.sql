-- id: ecs_task_definition_container_not_privileged
-- title: ECS task definitions run no privileged container
-- severity: high
-- remediation: Register a new revision of the task definition without `privileged: true` on its containers and move the services to it. With the AWS CLI: aws ecs register-task-definition --cli-input-json file://task-definition-without-privileged.json
-- tags: ecs, containers, fsbp:ECS.4
WITH privileged AS (
  SELECT task_definition_arn, string_agg(c ->> 'name', ', ') AS containers
  FROM (SELECT task_definition_arn, unnest(json_get_array(container_definitions)) AS c FROM aws_ecs_task_definition)
  WHERE c ->> 'privileged' = 'true'
  GROUP BY task_definition_arn
)
SELECT
  t.task_definition_arn AS resource,
  CASE WHEN p.containers IS NULL THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN p.containers IS NULL THEN t.family || ':' || t.revision || ' runs no privileged container.'
       ELSE t.family || ':' || t.revision || ' runs privileged containers: ' || p.containers || '.' END AS reason,
  t.account_id,
  t.region
FROM aws_ecs_task_definition t LEFT JOIN privileged p ON p.task_definition_arn = t.task_definition_arn
WHERE t.status = 'ACTIVE'
