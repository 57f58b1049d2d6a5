-- id: eks_cluster_endpoint_not_public
-- title: EKS cluster API endpoints are not publicly accessible
-- severity: high
-- remediation: Turn on the private endpoint and turn off the public one so the Kubernetes API is reachable only from the VPC. With the AWS CLI: aws eks update-cluster-config --name NAME --resources-vpc-config endpointPublicAccess=false,endpointPrivateAccess=true
-- tags: eks, public, fsbp:EKS.1
SELECT
  arn AS resource,
  CASE WHEN coalesce(resources_vpc_config ->> 'endpointPublicAccess', 'true') = 'false' THEN 'ok' ELSE 'alarm' END AS status,
  CASE WHEN coalesce(resources_vpc_config ->> 'endpointPublicAccess', 'true') = 'false' THEN name || ' has no public API endpoint.'
       WHEN resources_vpc_config ->> 'endpointPublicAccess' IS NULL THEN name || ' does not report its endpoint access, and EKS makes the API endpoint public by default.'
       ELSE name || ' has a publicly accessible API endpoint (allowed from '
         || coalesce(json_get_json(resources_vpc_config, 'publicAccessCidrs'), '["0.0.0.0/0"]') || ').' END AS reason,
  account_id,
  region
FROM aws_eks_cluster
