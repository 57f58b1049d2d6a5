-- id: iam_user_no_direct_policies
-- title: IAM users get permissions through groups only
-- severity: low
-- remediation: Move the user's inline and attached policies to a group and add the user to it. With the AWS CLI: aws iam add-user-to-group --group-name GROUP --user-name USER; aws iam detach-user-policy --user-name USER --policy-arn ARN; aws iam delete-user-policy --user-name USER --policy-name NAME
-- tags: iam, cis:1.15, fsbp:IAM.2
SELECT
  arn AS resource,
  CASE WHEN inline_policies IS NULL AND attached_policy_arns IS NULL THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN inline_policies IS NULL AND attached_policy_arns IS NULL THEN name || ' has no policies of its own.'
       ELSE name || ' has ' || coalesce(json_length(inline_policies), 0) || ' inline and '
         || coalesce(json_length(attached_policy_arns), 0) || ' attached policy(ies).' END AS reason,
  account_id,
  region
FROM aws_iam_user
