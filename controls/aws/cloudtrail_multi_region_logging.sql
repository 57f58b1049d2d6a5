-- id: cloudtrail_multi_region_logging
-- title: Every account has a multi-region CloudTrail trail that is logging
-- severity: high
-- remediation: Create a multi-region trail (or an organization trail) and start logging. With the AWS CLI: aws cloudtrail create-trail --name NAME --s3-bucket-name BUCKET --is-multi-region-trail; aws cloudtrail start-logging --name NAME
-- tags: cloudtrail, logging, cis:3.1, fsbp:CloudTrail.1
WITH good AS (
  SELECT account_id, min(name) AS trail
  FROM aws_cloudtrail_trail
  WHERE is_multi_region_trail AND is_logging
  GROUP BY account_id
)
SELECT
  'arn:' || a.partition || ':::' || a.account_id AS resource,
  CASE WHEN g.trail IS NULL THEN 'alarm' ELSE 'ok' END AS status,
  CASE WHEN g.trail IS NULL THEN 'No multi-region trail is logging.'
       ELSE 'Multi-region trail ' || g.trail || ' is logging.' END AS reason,
  a.account_id,
  a.region
FROM aws_account a LEFT JOIN good g ON g.account_id = a.account_id
