-- id: ebs_snapshot_public
-- title: EBS snapshots are not public
-- severity: critical
-- remediation: aws ec2 modify-snapshot-attribute --snapshot-id ID --attribute createVolumePermission --operation-type remove --group-names all
-- tags: ebs, public, fsbp:EC2.1
WITH public AS (
  SELECT DISTINCT snapshot_id, account_id, region
  FROM (SELECT snapshot_id, account_id, region, unnest(json_get_array(create_volume_permissions)) AS p FROM aws_ebs_snapshot)
  WHERE p ->> 'Group' = 'all'
)
SELECT
  s.arn AS resource,
  CASE WHEN p.snapshot_id IS NULL THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN p.snapshot_id IS NULL THEN s.snapshot_id || ' is not public.'
       ELSE s.snapshot_id || ' can be restored by anyone.' END AS reason,
  s.account_id,
  s.region
FROM aws_ebs_snapshot s
LEFT JOIN public p ON p.snapshot_id = s.snapshot_id AND p.account_id = s.account_id AND p.region = s.region
