-- id: ec2_instance_required_tags
-- title: EC2 instances carry the required tags
-- severity: low
-- remediation: Tag the instance with every key in required_tags (cove check --var required_tags=Owner,CostCenter). With the AWS CLI: aws ec2 create-tags --resources ID --tags Key=KEY,Value=VALUE
-- tags: ec2, tagging
-- var: required_tags = Owner
WITH required AS (
  SELECT DISTINCT trim(key) AS key FROM (SELECT unnest(string_to_array({{required_tags}}, ',')) AS key) WHERE trim(key) <> ''
),
missing AS (
  SELECT i.arn, string_agg(r.key, ', ' ORDER BY r.key) AS keys
  FROM aws_ec2_instance i CROSS JOIN required r
  WHERE i.tags IS NULL OR NOT (i.tags ? r.key)
  GROUP BY i.arn
)
SELECT
  i.arn AS resource,
  CASE WHEN m.keys IS NULL THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN m.keys IS NULL THEN i.instance_id || ' has every required tag.'
       ELSE i.instance_id || ' is missing tags: ' || m.keys || '.' END AS reason,
  i.account_id,
  i.region
FROM aws_ec2_instance i LEFT JOIN missing m ON m.arn = i.arn
WHERE i.instance_state <> 'terminated'
