-- id: guardduty_enabled
-- title: GuardDuty is enabled in every account and region
-- severity: high
-- remediation: Create and enable a GuardDuty detector in the region, or enable it organization-wide from the delegated administrator. With the AWS CLI: aws guardduty create-detector --enable --region REGION
-- tags: guardduty, monitoring, fsbp:GuardDuty.1
WITH enabled AS (
  SELECT account_id, region, min(detector_id) AS detector
  FROM aws_guardduty_detector
  WHERE status = 'ENABLED'
  GROUP BY account_id, region
)
SELECT
  'arn:' || r.partition || ':guardduty:' || r.name || ':' || r.account_id AS resource,
  CASE WHEN d.detector IS NULL THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN d.detector IS NULL THEN 'GuardDuty is not enabled in ' || r.name || '.'
       ELSE 'GuardDuty detector ' || d.detector || ' is enabled in ' || r.name || '.' END AS reason,
  r.account_id,
  r.name AS region
FROM aws_region r
LEFT JOIN enabled d ON d.account_id = r.account_id AND d.region = r.name
WHERE r.opt_in_status <> 'not-opted-in'
