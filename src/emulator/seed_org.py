"""Seed a moto server with a small AWS organization and print what was created as JSON.

Used by `cove demo` and by the integration tests, so both see the same estate.
Usage: python3 seed_org.py ENDPOINT_URL
"""
import io
import json
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor

import boto3

ENDPOINT = sys.argv[1]
REGIONS = ["us-east-1", "eu-west-1"]
MEMBERS = ["dev", "staging", "prod"]
IMAGE_ID = "ami-12c6146b"
INSTANCE_TYPES = ["t3.micro", "t3.small", "m5.large"]
# (us-east-1, eu-west-1) instance counts per member; prod's 7 span two DescribeInstances pages of 5.
INSTANCE_COUNTS = {"dev": (2, 1), "staging": (1, 2), "prod": (7, 1)}
USERS = {"dev": ["alice", "bob"], "staging": ["carol"], "prod": ["dave", "erin", "frank"]}
# Users with a console password, and those of them with a virtual MFA device.
CONSOLE_USERS = {"alice", "carol", "dave"}
MFA_USERS = {"carol", "dave"}
UNKNOWN_ACCOUNT = "999999999999"
TRUST_ANYONE = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]}
ADMIN_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
READ_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}


def session(credentials=None):
    creds = credentials or {"AccessKeyId": "testing", "SecretAccessKey": "testing", "SessionToken": None}
    return boto3.session.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def client(sess, service, region="us-east-1"):
    return sess.client(service, region_name=region, endpoint_url=ENDPOINT)


def seed_member(name, account_id):
    sts = client(session(), "sts")
    role = f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole"
    creds = sts.assume_role(RoleArn=role, RoleSessionName="seed")["Credentials"]
    sess = session(creds)
    member = {"id": account_id, "name": name, "instances": {}, "buckets": [], "users": USERS[name]}
    for region, count in zip(REGIONS, INSTANCE_COUNTS[name]):
        ec2 = client(sess, "ec2", region)
        ids = []
        for n in range(count):
            instance_type = INSTANCE_TYPES[n % len(INSTANCE_TYPES)]
            tags = [{"Key": "Name", "Value": f"{name}-{region}-{n}"}, {"Key": "Owner", "Value": f"team-{name}"}]
            reservation = ec2.run_instances(
                ImageId=IMAGE_ID,
                MinCount=1,
                MaxCount=1,
                InstanceType=instance_type,
                TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
            )
            ids.append(
                {"id": reservation["Instances"][0]["InstanceId"], "type": instance_type, "state": "running"}
            )
        if count > 1:
            ec2.stop_instances(InstanceIds=[ids[-1]["id"]])
            ids[-1]["state"] = "stopped"
        member["instances"][region] = ids
        s3 = client(sess, "s3", region)
        bucket = f"cove-{name}-{region}-{account_id}"
        if region == "us-east-1":
            s3.create_bucket(Bucket=bucket)
        else:
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
        member["buckets"].append({"name": bucket, "region": region})
    iam = client(sess, "iam")
    for user in USERS[name]:
        iam.create_user(UserName=user, Tags=[{"Key": "team", "Value": name}])
        if user in CONSOLE_USERS:
            iam.create_login_profile(UserName=user, Password="Correct-Horse-1")
        if user in MFA_USERS:
            serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=user)["VirtualMFADevice"]["SerialNumber"]
            iam.enable_mfa_device(UserName=user, SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321")
        iam.create_access_key(UserName=user)
    member["monitoring"] = seed_monitoring(sess, name)
    member["services"] = seed_services(sess, name, account_id)
    member["bad"] = SEEDERS[name](sess, account_id, member)
    return member


def seed_services(sess, name, account_id):
    """One of each resource the declared tables list, in us-east-1; prod's are the
    well-configured ones (scan on push, a parameter that is a SecureString)."""
    prod = name == "prod"
    client(sess, "secretsmanager").create_secret(Name=f"{name}/db-password", SecretString="not-a-secret")
    client(sess, "ecr").create_repository(
        repositoryName=f"{name}-app", imageScanningConfiguration={"scanOnPush": prod}
    )
    team = [{"Key": "team", "Value": name}]
    client(sess, "ssm").put_parameter(
        Name=f"/{name}/db-host", Value="db.internal", Type="SecureString" if prod else "String", Tags=team
    )
    certificate = client(sess, "acm").request_certificate(DomainName=f"{name}.example.com", Tags=team)["CertificateArn"]
    role = f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole"
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}
    client(sess, "stepfunctions").create_state_machine(
        name=f"{name}-flow", definition=json.dumps(definition), roleArn=role, tags=[{"key": "team", "value": name}]
    )
    ecs = client(sess, "ecs")
    ecs.create_cluster(clusterName=f"{name}-cluster", tags=[{"key": "team", "value": name}])
    ecs.register_task_definition(family=f"{name}-worker", containerDefinitions=[{"name": "w", "image": "busybox", "memory": 64}])
    ecs.create_service(cluster=f"{name}-cluster", serviceName=f"{name}-worker", taskDefinition=f"{name}-worker", desiredCount=1)
    rds = client(sess, "rds")
    rds.create_db_cluster(
        DBClusterIdentifier=f"{name}-aurora", Engine="aurora-postgresql", MasterUsername="admin",
        MasterUserPassword="not-a-password", StorageEncrypted=prod, DeletionProtection=prod,
    )
    rds.create_db_parameter_group(
        DBParameterGroupName=f"{name}-params", DBParameterGroupFamily="postgres16", Description="cove", Tags=team
    )
    subnets = [s["SubnetId"] for s in client(sess, "ec2").describe_subnets()["Subnets"][:2]]
    elbv2 = client(sess, "elbv2")
    web = elbv2.create_load_balancer(Name=f"{name}-web", Subnets=subnets, Type="application", Tags=team)["LoadBalancers"][0]
    elbv2.create_listener(
        LoadBalancerArn=web["LoadBalancerArn"], Protocol="HTTP", Port=80,
        DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}], Tags=team,
    )
    elbv2.create_load_balancer(Name=f"{name}-tcp", Subnets=subnets, Type="network", Scheme="internal", Tags=team)
    autoscaling = client(sess, "autoscaling")
    autoscaling.create_launch_configuration(
        LaunchConfigurationName=f"{name}-lc", ImageId=IMAGE_ID, InstanceType="t3.micro"
    )
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=f"{name}-asg", LaunchConfigurationName=f"{name}-lc", MinSize=0, MaxSize=2,
        AvailabilityZones=["us-east-1a"],
    )
    kinesis = client(sess, "kinesis")
    kinesis.create_stream(StreamName=f"{name}-events", ShardCount=1)
    kinesis.add_tags_to_stream(StreamName=f"{name}-events", Tags={"team": name})
    client(sess, "elasticache").create_replication_group(
        ReplicationGroupId=f"{name}-cache", ReplicationGroupDescription="cove", Engine="redis",
        CacheNodeType="cache.t3.micro", AtRestEncryptionEnabled=prod, Tags=team,
    )
    client(sess, "iam").upload_server_certificate(
        ServerCertificateName=f"{name}-legacy-cert",
        CertificateBody="-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
        PrivateKey="-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----",
    )
    seed_more_services(sess, name, role, subnets, team)
    seed_network(sess, name, f"cove-{name}-us-east-1-{account_id}")
    return {"secret": f"{name}/db-password", "repository": f"{name}-app", "parameter": f"/{name}/db-host",
            "certificate": certificate, "state_machine": f"{name}-flow", "cluster": f"{name}-cluster",
            "db_cluster": f"{name}-aurora", "parameter_group": f"{name}-params",
            "load_balancers": {"application": f"{name}-web", "network": f"{name}-tcp"},
            "autoscaling_group": f"{name}-asg", "stream": f"{name}-events", "cache": f"{name}-cache",
            "server_certificate": f"{name}-legacy-cert", "project": f"{name}-build",
            "notebook": f"{name}-notebook", "emr": f"{name}-emr", "task_family": f"{name}-web",
            "db_subnet_group": f"{name}-db-subnets", "classic_load_balancer": f"{name}-classic",
            "neptune": f"{name}-graph", "stack": f"{name}-stack", "cache_cluster": f"{name}-memcached",
            # Every account lists AWS's own aliases.
            "alias": "alias/aws/ebs", "config_rule": f"{name}-versioning", "workgroup": f"{name}-analysts",
            "eks": f"{name}-k8s", "efs": f"{name}-share", "opensearch": f"{name}-search", "api": f"{name}-api",
            "vault": f"{name}-vault", "plan": f"{name}-daily",
            "zone": f"{name}.example.internal.", "distribution": f"{name}-cdn",
            "key_pair": f"{name}-ops", "launch_template": f"{name}-web"}


def seed_more_services(sess, name, role, subnets, team):
    """A build project, a notebook, an EMR cluster, an FSx file system, a task definition,
    a DB subnet group, a classic load balancer, a Neptune cluster, a stack, a cache
    cluster, a Config rule, an Athena workgroup, an EKS cluster, an EFS file system, an
    OpenSearch domain, a REST API, a hosted zone, a CloudFront distribution, a backup vault
    and plan, each named after `name`, and
    a GuardDuty detector in every account but dev. No KMS alias:
    aliasing needs a key, and the KMS tests count the customer keys."""
    client(sess, "codebuild").create_project(
        name=f"{name}-build", serviceRole=role, artifacts={"type": "NO_ARTIFACTS"},
        source={"type": "CODECOMMIT", "location": f"https://git-codecommit.us-east-1.amazonaws.com/v1/repos/{name}"},
        environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                     "computeType": "BUILD_GENERAL1_SMALL", "privilegedMode": name == "dev"},
    )
    client(sess, "sagemaker").create_notebook_instance(
        NotebookInstanceName=f"{name}-notebook", InstanceType="ml.t3.medium", RoleArn=role, Tags=team,
        DirectInternetAccess="Enabled" if name == "dev" else "Disabled",
    )
    client(sess, "emr").run_job_flow(
        Name=f"{name}-emr", ReleaseLabel="emr-6.15.0", JobFlowRole="EMR_EC2_DefaultRole", ServiceRole="EMR_DefaultRole",
        Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True},
    )
    client(sess, "fsx").create_file_system(FileSystemType="LUSTRE", StorageCapacity=1200, SubnetIds=subnets[:1],
                                           Tags=[{"Key": "Name", "Value": f"{name}-scratch"}])
    client(sess, "ecs").register_task_definition(
        family=f"{name}-web", networkMode="awsvpc", containerDefinitions=[{"name": "app", "image": "nginx", "memory": 128}],
        tags=[{"key": "team", "value": name}],
    )
    client(sess, "rds").create_db_subnet_group(
        DBSubnetGroupName=f"{name}-db-subnets", DBSubnetGroupDescription="cove", SubnetIds=subnets, Tags=team
    )
    # Given the default group, the classic load balancer creates no group of its own.
    default_group = client(sess, "ec2").describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]["GroupId"]
    client(sess, "elb").create_load_balancer(
        LoadBalancerName=f"{name}-classic", Subnets=subnets[:1], SecurityGroups=[default_group],
        Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}], Tags=team,
    )
    client(sess, "neptune").create_db_cluster(DBClusterIdentifier=f"{name}-graph", Engine="neptune",
                                              StorageEncrypted=name == "prod", Tags=team)
    template = {"Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}}
    client(sess, "cloudformation").create_stack(StackName=f"{name}-stack", TemplateBody=json.dumps(template))
    client(sess, "elasticache").create_cache_cluster(
        CacheClusterId=f"{name}-memcached", Engine="memcached", CacheNodeType="cache.t3.micro", NumCacheNodes=1,
        Tags=team,
    )
    client(sess, "config").put_config_rule(ConfigRule={
        "ConfigRuleName": f"{name}-versioning",
        "Source": {"Owner": "AWS", "SourceIdentifier": "S3_BUCKET_VERSIONING_ENABLED"},
    }, Tags=team)
    client(sess, "athena").create_work_group(Name=f"{name}-analysts", Tags=team)
    if name == "prod":
        client(sess, "account").put_alternate_contact(
            AlternateContactType="SECURITY", Name="Prod Security", Title="CISO",
            EmailAddress="security@prod.example.com", PhoneNumber="+15555550100",
        )
    client(sess, "eks").create_cluster(
        name=f"{name}-k8s", roleArn=role, resourcesVpcConfig={"subnetIds": subnets}, tags={"team": name}
    )
    client(sess, "efs").create_file_system(
        CreationToken=f"{name}-share", Encrypted=name == "prod", Tags=[{"Key": "Name", "Value": f"{name}-share"}]
    )
    if name != "dev":
        client(sess, "guardduty").create_detector(Enable=True)
    client(sess, "opensearch").create_domain(
        DomainName=f"{name}-search", EncryptionAtRestOptions={"Enabled": name == "prod"}, TagList=team
    )
    apigateway = client(sess, "apigateway")
    api = apigateway.create_rest_api(name=f"{name}-api", endpointConfiguration={"types": ["REGIONAL"]})["id"]
    root = apigateway.get_resources(restApiId=api)["items"][0]["id"]
    apigateway.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigateway.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
    deployment = apigateway.create_deployment(restApiId=api)["id"]
    apigateway.create_stage(restApiId=api, stageName="live", deploymentId=deployment, tracingEnabled=name == "prod")
    route53 = client(sess, "route53")
    zone = route53.create_hosted_zone(Name=f"{name}.example.internal", CallerReference=f"{name}-zone")["HostedZone"]
    route53.change_tags_for_resource(ResourceType="hostedzone", ResourceId=zone["Id"].split("/")[-1], AddTags=team)
    client(sess, "cloudfront").create_distribution_with_tags(DistributionConfigWithTags={"Tags": {"Items": team}, "DistributionConfig": {
        "CallerReference": f"{name}-cdn", "Comment": f"{name}-cdn", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [
            {"Id": "site", "DomainName": f"{name}-site.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}},
        ]},
        "DefaultCacheBehavior": {
            "TargetOriginId": "site", "ViewerProtocolPolicy": "allow-all" if name == "dev" else "redirect-to-https",
            "MinTTL": 0, "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            "TrustedSigners": {"Enabled": False, "Quantity": 0},
        },
    }})
    backup = client(sess, "backup")
    backup.create_backup_vault(BackupVaultName=f"{name}-vault", BackupVaultTags={"team": name})
    backup.create_backup_plan(BackupPlan={"BackupPlanName": f"{name}-daily", "Rules": [
        {"RuleName": "daily", "TargetBackupVaultName": f"{name}-vault", "ScheduleExpression": "cron(0 5 * * ? *)"},
    ]}, BackupPlanTags={"team": name})


def seed_network(sess, name, bucket):
    """EC2 resources the declared EC2 tables list, in the default VPC of us-east-1. No
    NAT gateway or peering: they would add interfaces and VPCs the other tests count."""
    ec2 = client(sess, "ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    ec2.create_key_pair(KeyName=f"{name}-ops")
    ec2.allocate_address(Domain="vpc", TagSpecifications=[
        {"ResourceType": "elastic-ip", "Tags": [{"Key": "Name", "Value": f"{name}-ip"}]}
    ])
    ec2.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.s3", VpcEndpointType="Gateway")
    ec2.create_flow_logs(
        ResourceIds=[vpc], ResourceType="VPC", TrafficType="REJECT", LogDestinationType="s3",
        LogDestination=f"arn:aws:s3:::{bucket}",
    )
    ec2.create_launch_template(
        LaunchTemplateName=f"{name}-web", LaunchTemplateData={"ImageId": IMAGE_ID, "InstanceType": "t3.micro"}
    )
    ec2.create_transit_gateway(Description=f"{name}-hub")
    ec2.create_dhcp_options(DhcpConfigurations=[{"Key": "domain-name", "Values": [f"{name}.internal"]}])
    ec2.create_egress_only_internet_gateway(VpcId=vpc)


def seed_monitoring(sess, name):
    """Logs, a CIS-style metric filter and alarm, a topic with a subscriber, a queue and a
    DynamoDB table in us-east-1; prod keeps its logs a year and can restore its table."""
    logs = client(sess, "logs")
    app_group, trail_group = f"/cove/{name}/app", f"/cove/{name}/trail"
    logs.create_log_group(logGroupName=app_group, tags={"team": name})
    logs.create_log_group(logGroupName=trail_group)
    if name == "prod":
        logs.put_retention_policy(logGroupName=app_group, retentionInDays=365)
    logs.put_metric_filter(
        logGroupName=trail_group,
        filterName="root-usage",
        filterPattern='{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
        metricTransformations=[{"metricName": "RootUsage", "metricNamespace": "CIS", "metricValue": "1"}],
    )
    sns = client(sess, "sns")
    topic = sns.create_topic(Name=f"{name}-alerts", Tags=[{"Key": "team", "Value": name}])["TopicArn"]
    endpoint = f"ops@{name}.example.com"
    subscription = sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=endpoint)["SubscriptionArn"]
    client(sess, "cloudwatch").put_metric_alarm(
        AlarmName="root-usage", MetricName="RootUsage", Namespace="CIS", Statistic="Sum", Period=300,
        EvaluationPeriods=1, Threshold=1.0, ComparisonOperator="GreaterThanOrEqualToThreshold", AlarmActions=[topic],
    )
    queue = client(sess, "sqs").create_queue(QueueName=f"{name}-jobs", tags={"team": name})["QueueUrl"]
    dynamodb = client(sess, "dynamodb")
    table = f"{name}-sessions"
    dynamodb.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST", Tags=[{"Key": "team", "Value": name}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )
    if name == "prod":
        dynamodb.update_continuous_backups(
            TableName=table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )
    return {"log_groups": [app_group, trail_group], "metric_filter": "root-usage", "topic": topic,
            "subscription": subscription, "endpoint": endpoint, "alarm": "root-usage", "queue": queue,
            "table": table}


def seed_dev(sess, account_id, member):
    """Dev holds most misconfigurations: open SSH, a public snapshot, a public bucket ACL,
    a role anyone may assume, a policy granting *:*, a public Lambda function."""
    ec2 = client(sess, "ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    group = ec2.create_security_group(GroupName="ssh-open", Description="ssh from anywhere", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    snapshot = ec2.create_snapshot(VolumeId=root_volume(ec2, member), Description="public")["SnapshotId"]
    ec2.modify_snapshot_attribute(
        SnapshotId=snapshot, Attribute="createVolumePermission", OperationType="add", GroupNames=["all"]
    )
    bucket = member["buckets"][0]["name"]
    client(sess, "s3").put_bucket_acl(Bucket=bucket, ACL="public-read")
    iam = client(sess, "iam")
    iam.create_role(RoleName="open-trust", AssumeRolePolicyDocument=json.dumps(TRUST_ANYONE))
    arn = iam.create_policy(PolicyName="admin-everything", PolicyDocument=json.dumps(ADMIN_POLICY))["Policy"]["Arn"]
    iam.attach_user_policy(UserName="bob", PolicyArn=arn)
    iam.put_user_policy(UserName="bob", PolicyName="inline-read", PolicyDocument=json.dumps(READ_POLICY))
    role = iam.create_role(RoleName="lambda-exec", AssumeRolePolicyDocument=json.dumps(lambda_trust()))["Role"]["Arn"]
    lam = client(sess, "lambda")
    lam.create_function(
        FunctionName="public-fn", Runtime="python3.12", Role=role, Handler="handler.main", Code={"ZipFile": lambda_zip()}
    )
    lam.add_permission(FunctionName="public-fn", StatementId="anyone", Action="lambda:InvokeFunction", Principal="*")
    kms = client(sess, "kms")
    kms.create_key(Description="dev key without rotation")
    iam.create_group(GroupName="developers")
    iam.add_user_to_group(GroupName="developers", UserName="alice")
    # A single-region trail that is not logging.
    client(sess, "cloudtrail").create_trail(Name="dev-trail", S3BucketName=bucket)
    return {
        "open_ssh_group": group,
        "public_snapshot": snapshot,
        "public_acl_bucket": bucket,
        "admin_policy": arn,
        "function": "public-fn",
        "internet_gateway": gateway,
    }


def seed_staging(sess, account_id, member):
    """Staging: a public AMI, a bucket public by policy, a public unencrypted Redshift
    cluster, a weak password policy."""
    ec2 = client(sess, "ec2")
    instance = member["instances"]["us-east-1"][0]["id"]
    image = ec2.create_image(InstanceId=instance, Name="staging-public-image")["ImageId"]
    ec2.modify_image_attribute(ImageId=image, LaunchPermission={"Add": [{"Group": "all"}]})
    bucket = member["buckets"][0]["name"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}],
    }
    client(sess, "s3").put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    warehouse(sess, "staging-warehouse", public=True, encrypted=False)
    client(sess, "iam").update_account_password_policy(MinimumPasswordLength=8, RequireNumbers=True)
    rds = client(sess, "rds")
    database(rds, "staging-db", "mysql", public=False, encrypted=True)
    rds.create_db_snapshot(DBInstanceIdentifier="staging-db", DBSnapshotIdentifier="staging-db-manual")
    # A recorder that was set up but never started.
    client(sess, "config").put_configuration_recorder(
        ConfigurationRecorder={"name": "default", "roleARN": f"arn:aws:iam::{account_id}:role/config"}
    )
    return {"public_image": image, "public_policy_bucket": bucket, "cluster": "staging-warehouse"}


def seed_prod(sess, account_id, member):
    """Prod is mostly well configured, with two findings: an unencrypted public RDS
    instance (and a public snapshot of it) and a snapshot shared with an unknown account."""
    ec2 = client(sess, "ec2")
    snapshot = ec2.create_snapshot(VolumeId=root_volume(ec2, member), Description="shared")["SnapshotId"]
    ec2.modify_snapshot_attribute(
        SnapshotId=snapshot, Attribute="createVolumePermission", OperationType="add", UserIds=[UNKNOWN_ACCOUNT]
    )
    image = ec2.create_image(InstanceId=member["instances"]["us-east-1"][0]["id"], Name="prod-private-image")["ImageId"]
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    s3 = client(sess, "s3")
    for bucket in member["buckets"]:
        s3c = client(sess, "s3", bucket["region"])
        s3c.put_bucket_versioning(Bucket=bucket["name"], VersioningConfiguration={"Status": "Enabled"})
        s3c.put_bucket_encryption(
            Bucket=bucket["name"],
            ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
        )
        s3c.put_public_access_block(
            Bucket=bucket["name"],
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        s3c.put_bucket_tagging(Bucket=bucket["name"], Tagging={"TagSet": [{"Key": "Owner", "Value": "team-prod"}]})
    # The account-level block (S3 Control); no per-account host names on the emulator.
    control = client(sess, "s3control")

    def unprefix(request, **_):
        request.url = request.url.replace(f"//{account_id}.", "//")

    control.meta.events.register("before-sign.s3-control.*", unprefix)
    control.put_public_access_block(AccountId=account_id, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
    })
    rds = client(sess, "rds")
    database(rds, "prod-db", "postgres", public=True, encrypted=False)
    rds.create_db_snapshot(DBInstanceIdentifier="prod-db", DBSnapshotIdentifier="prod-db-public")
    rds.modify_db_snapshot_attribute(DBSnapshotIdentifier="prod-db-public", AttributeName="restore", ValuesToAdd=["all"])
    iam = client(sess, "iam")
    iam.update_account_password_policy(
        MinimumPasswordLength=14,
        RequireSymbols=True,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
        MaxPasswordAge=90,
        PasswordReusePrevention=24,
    )
    iam.create_group(GroupName="admins")
    iam.add_user_to_group(GroupName="admins", UserName="dave")
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"}, "Action": "sts:AssumeRole"}],
    }
    iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=json.dumps(trust))
    read_only = iam.create_policy(PolicyName="read-objects", PolicyDocument=json.dumps(READ_POLICY))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="deployer", PolicyArn=read_only)
    role = iam.create_role(RoleName="lambda-exec", AssumeRolePolicyDocument=json.dumps(lambda_trust()))["Role"]["Arn"]
    client(sess, "lambda").create_function(
        FunctionName="private-fn", Runtime="python3.12", Role=role, Handler="handler.main", Code={"ZipFile": lambda_zip()},
        Tags={"team": "prod"},
    )
    warehouse(sess, "prod-warehouse", public=False, encrypted=True)
    kms = client(sess, "kms")
    key = kms.create_key(Description="prod key")["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=key)
    trail_bucket = member["buckets"][0]["name"]
    trail = client(sess, "cloudtrail")
    # It sends to the log group the CIS root-usage filter reads (seed_monitoring).
    trail.create_trail(
        Name="org-trail", S3BucketName=trail_bucket, IsMultiRegionTrail=True, TagsList=[{"Key": "team", "Value": "prod"}],
        CloudWatchLogsLogGroupArn=f"arn:aws:logs:us-east-1:{account_id}:log-group:/cove/prod/trail:*",
        CloudWatchLogsRoleArn=f"arn:aws:iam::{account_id}:role/cloudtrail-logs",
    )
    trail.start_logging(Name="org-trail")
    config = client(sess, "config")
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": f"arn:aws:iam::{account_id}:role/config",
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
        }
    )
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": trail_bucket})
    config.start_configuration_recorder(ConfigurationRecorderName="default")
    return {"shared_snapshot": snapshot, "private_image": image, "internet_gateway": gateway, "db": "prod-db", "db_snapshot": "prod-db-public"}


def database(rds, identifier, engine, public, encrypted):
    rds.create_db_instance(
        DBInstanceIdentifier=identifier,
        DBInstanceClass="db.t3.micro",
        Engine=engine,
        MasterUsername="admin",
        MasterUserPassword="Password123",
        AllocatedStorage=20,
        PubliclyAccessible=public,
        StorageEncrypted=encrypted,
    )


def warehouse(sess, identifier, public, encrypted):
    client(sess, "redshift").create_cluster(
        ClusterIdentifier=identifier,
        NodeType="ra3.xlplus",
        MasterUsername="admin",
        MasterUserPassword="Password123",
        PubliclyAccessible=public,
        Encrypted=encrypted,
    )


def root_volume(ec2, member):
    instance = member["instances"]["us-east-1"][0]["id"]
    volumes = ec2.describe_volumes(Filters=[{"Name": "attachment.instance-id", "Values": [instance]}])["Volumes"]
    return volumes[0]["VolumeId"]


def lambda_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def main(event, context):\n    return 1\n")
    return buffer.getvalue()


def lambda_trust():
    statement = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    return {"Version": "2012-10-17", "Statement": [statement]}


SEEDERS = {"dev": seed_dev, "staging": seed_staging, "prod": seed_prod}


def organizational_units(org, ids):
    """Root / Workloads / {Prod: prod, NonProd: dev and staging}; the management account stays
    at the root. Returns the OU ids by name and each member's OU path."""
    root = org.list_roots()["Roots"][0]["Id"]
    ous = {}
    for name, parent in [("Workloads", root), ("Prod", "Workloads"), ("NonProd", "Workloads")]:
        parent_id = ous.get(parent, parent)
        ous[name] = org.create_organizational_unit(ParentId=parent_id, Name=name)["OrganizationalUnit"]["Id"]
    placement = {"prod": "Prod", "dev": "NonProd", "staging": "NonProd"}
    for member, ou in placement.items():
        org.move_account(AccountId=ids[member], SourceParentId=root, DestinationParentId=ous[ou])
    paths = {member: f"Root/Workloads/{ou}" for member, ou in placement.items()}
    return ous, paths


def main():
    org = client(session(), "organizations")
    org.create_organization(FeatureSet="ALL")
    ids = {}
    for name in MEMBERS:
        status = org.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]
        ids[name] = status["AccountId"]
    ous, paths = organizational_units(org, ids)
    # A closed account stays listed, SUSPENDED: scans skip it.
    retired = org.create_account(Email="retired@example.com", AccountName="retired")["CreateAccountStatus"]["AccountId"]
    org.close_account(AccountId=retired)
    with ThreadPoolExecutor(len(MEMBERS)) as pool:
        members = list(pool.map(lambda n: dict(seed_member(n, ids[n]), ou_path=paths[n]), MEMBERS))
    management = client(session(), "sts").get_caller_identity()["Account"]
    print(json.dumps({"management": management, "regions": REGIONS, "members": members, "ous": ous,
                      "suspended": retired}))


main()
