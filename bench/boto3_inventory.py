"""The Python way: assume a role in every account, list EC2 instances in every region with a
thread pool (as Botocove does), and count them. The baseline cove is measured against.

Usage: python3 boto3_inventory.py ACCOUNT_ID,... REGION,... [WORKERS]
Honours AWS_ENDPOINT_URL and the standard credential chain, like cove.
"""
import sys
from concurrent.futures import ThreadPoolExecutor

import boto3

accounts, regions = sys.argv[1].split(","), sys.argv[2].split(",")
workers = int(sys.argv[3]) if len(sys.argv) > 3 else 32
caller = boto3.client("sts").get_caller_identity()["Account"]
calls = 1


def session(account):
    global calls
    if account == caller:
        return boto3.session.Session()
    calls += 1
    role = f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
    creds = boto3.client("sts").assume_role(RoleArn=role, RoleSessionName="bench")["Credentials"]
    return boto3.session.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def instances(target):
    global calls
    sess, region = target
    count = 0
    for page in sess.client("ec2", region_name=region).get_paginator("describe_instances").paginate():
        calls += 1
        count += sum(len(r["Instances"]) for r in page["Reservations"])
    return count


with ThreadPoolExecutor(workers) as pool:
    sessions = list(pool.map(session, accounts))
    total = sum(pool.map(instances, [(s, r) for s in sessions for r in regions]))
print(f"{total} instances, {calls} API calls")
