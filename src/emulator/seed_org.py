"""Seed a moto server with a small AWS organization and print what was created as JSON.

Used by `cove demo` and by the integration tests, so both see the same estate.
Usage: python3 seed_org.py ENDPOINT_URL
"""
import json
import sys
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
    return member


def main():
    org = client(session(), "organizations")
    org.create_organization(FeatureSet="ALL")
    ids = {}
    for name in MEMBERS:
        status = org.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]
        ids[name] = status["AccountId"]
    with ThreadPoolExecutor(len(MEMBERS)) as pool:
        members = list(pool.map(lambda n: seed_member(n, ids[n]), MEMBERS))
    management = client(session(), "sts").get_caller_identity()["Account"]
    print(json.dumps({"management": management, "regions": REGIONS, "members": members}))


main()
