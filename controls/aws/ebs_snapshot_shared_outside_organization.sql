-- id: ebs_snapshot_shared_outside_organization
-- title: EBS snapshots are not shared with accounts outside the organization
-- severity: high
-- remediation: Remove the createVolumePermission of accounts that are not yours. Without access to the organization's account list, every share counts as outside. With the AWS CLI: aws ec2 modify-snapshot-attribute --snapshot-id ID --attribute createVolumePermission --operation-type remove --user-ids ACCOUNT
-- tags: ebs, organizations
WITH shares AS (
  SELECT snapshot_id, account_id, region, p ->> 'UserId' AS user_id
  FROM (SELECT snapshot_id, account_id, region, unnest(json_get_array(create_volume_permissions)) AS p FROM aws_ebs_snapshot)
  WHERE p ->> 'UserId' IS NOT NULL
),
outside AS (
  SELECT s.snapshot_id, s.account_id, s.region, string_agg(s.user_id, ', ' ORDER BY s.user_id) AS accounts
  FROM shares s LEFT JOIN aws_organizations_account o ON o.id = s.user_id
  WHERE o.id IS NULL
  GROUP BY s.snapshot_id, s.account_id, s.region
)
SELECT
  s.arn AS resource,
  CASE WHEN o.snapshot_id IS NULL THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN o.snapshot_id IS NULL THEN s.snapshot_id || ' is shared with no account outside the organization.'
       ELSE s.snapshot_id || ' is shared with ' || o.accounts || ', outside the organization.' END AS reason,
  s.account_id,
  s.region
FROM aws_ebs_snapshot s
LEFT JOIN outside o ON o.snapshot_id = s.snapshot_id AND o.account_id = s.account_id AND o.region = s.region
