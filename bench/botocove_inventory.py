"""The inventory of bench/scale.py the Botocove way: count each account and region's EC2
instances, with Botocove's defaults (20 threads, AssumeRole of OrganizationAccountAccessRole
into every ACTIVE account of the organization). Prints CSV like cove's answer, so
bench/scale.py counts its (account, region) groups the same way.

Usage: python3 bench/botocove_inventory.py REGION[,REGION...]
Needs botocove (pip install botocove==1.7.4); honours AWS_ENDPOINT_URL, like cove.
"""
import sys

from botocove import cove


def main():
    regions = sys.argv[1].split(",")

    @cove(regions=regions)
    def instances(session):
        ec2 = session.client("ec2", region_name=session.region_name)
        pages = ec2.get_paginator("describe_instances").paginate()
        return sum(len(r["Instances"]) for page in pages for r in page["Reservations"])

    output = instances()
    print("account_id,region,instances")
    for result in output["Results"]:
        print(f"{result['Id']},{result['Region']},{result['Result']}")
    for failure in output["Exceptions"] + output["FailedAssumeRole"]:
        print(f"failed: {failure['Id']} {failure.get('Region')}: {failure.get('ExceptionDetails')}", file=sys.stderr)


if __name__ == "__main__":
    main()
