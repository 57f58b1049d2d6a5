-- id: ecs_task_definition_read_only_root
-- title: ECS containers mount their root file system read-only
-- severity: high
-- remediation: Register a new revision of the task definition with `readonlyRootFilesystem: true` on every container (give writable paths their own volumes) and move the services to it. With the AWS CLI: aws ecs register-task-definition --cli-input-json file://task-definition-read-only-root.json
-- tags: ecs, containers, fsbp:ECS.5
WITH writable AS (
  SELECT task_definition_arn, string_agg(c ->> 'name', ', ') AS containers
  FROM (SELECT task_definition_arn, unnest(json_get_array(container_definitions)) AS c FROM aws_ecs_task_definition)
  WHERE coalesce(c ->> 'readonlyRootFilesystem', 'false') <> 'true'
  GROUP BY task_definition_arn
)
SELECT
  t.task_definition_arn AS resource,
  CASE WHEN w.containers IS NULL THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN w.containers IS NULL THEN t.family || ':' || t.revision || ' mounts every root file system read-only.'
       ELSE t.family || ':' || t.revision || ' lets containers write their root file system: ' || w.containers || '.' END AS reason,
  t.account_id,
  t.region
FROM aws_ecs_task_definition t LEFT JOIN writable w ON w.task_definition_arn = t.task_definition_arn
WHERE t.status = 'ACTIVE'
