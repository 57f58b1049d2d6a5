"""A fast stand-in for AWS, for scale benchmarks only (moto stays the emulator for tests:
it answers about 60 requests a second, far too few to scan hundreds of accounts).

Usage: python3 bench/standin.py --port P --accounts N [--latency-ms 40]
           [--throttle-fraction 0.2] [--rate-per-second R] [--throttle-all-ec2 ACCOUNT]
           [--instances-per-region K] [--stats-file F]
       python3 bench/standin.py --load-test P [--connections 64] [--seconds 10]

Point cove at it with AWS_ENDPOINT_URL=http://127.0.0.1:P and the keys testing/testing.
It prints `ready <port>` once listening (port 0 picks a free one). An organization of N
accounts, 100000000000 the management account and 100000000001... its members, all
directly under the root r-ab12; each account has K EC2 instances in every region, two S3
buckets and three IAM users, and nothing else: any other read is answered with a
well-formed empty result. The caller's account, region and service come from the SigV4
credential scope; AssumeRole hands out access keys that spell the target account, so
later requests signed with them belong to it. Every answer waits --latency-ms, as a real
round trip would. GET /_stats (and the --stats-file written on SIGTERM/SIGINT) counts
requests by service:Operation and by account, connections opened, throttled answers by
service, and the stand-in's CPU time. --load-test P drives a running stand-in with a mix of
STS, EC2, S3, IAM and Organizations calls over keep-alive connections and prints the
requests per second it was answered.
Standard library only; listens on 127.0.0.1 only.
"""
import argparse
import asyncio
import base64
import collections
import json
import random
import signal
import sys
import time
from urllib.parse import parse_qs, unquote

MANAGEMENT = "100000000000"
ORG_ID, ROOT_ID = "o-ab12cd34ef", "r-ab12"
REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2",
           "eu-west-3", "eu-central-1", "eu-north-1", "ap-south-1", "ap-northeast-1", "ap-northeast-2",
           "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "sa-east-1"]
NS = {"sts": "https://sts.amazonaws.com/doc/2011-06-15/", "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
      "ec2": "http://ec2.amazonaws.com/doc/2016-11-15/", "s3": "http://s3.amazonaws.com/doc/2006-03-01/",
      "s3control": "http://awss3control.amazonaws.com/doc/2018-08-20/",
      "cloudfront": "http://cloudfront.amazonaws.com/doc/2020-05-31/",
      "route53": "https://route53.amazonaws.com/doc/2013-04-01/"}
REST_XML = {"s3", "s3control", "cloudfront", "route53"}  # the REST services that speak XML
# Names for the REST calls cove makes outside S3 (the others are counted as METHOD /path), and
# the root element of the XML ones, answered empty (any other: <EmptyResult/>).
REST_OPS = {"GET /v20180820/configuration/publicAccessBlock": "GetPublicAccessBlock",
            "GET /2020-05-31/distribution": "ListDistributions", "GET /2013-04-01/hostedzone": "ListHostedZones",
            "GET /2015-03-31/functions": "ListFunctions"}
XML_ROOTS = {"ListDistributions": "DistributionList", "ListHostedZones": "ListHostedZonesResponse"}
REASONS = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests",
           500: "Internal Server Error", 501: "Not Implemented", 503: "Service Unavailable"}
XML, FORM = "text/xml", "application/x-www-form-urlencoded"
CREATED = "2024-01-15T09:30:00Z"  # every resource's creation time: answers stay reproducible
USERS = ("alice", "bob", "carol")
# S3 bucket sub-resources cove reads (?location, ?policy, ...): the operation and, when a
# bucket has nothing configured, either a 200 body or the error code S3 answers with.
S3_SUBRESOURCES = {
    "location": ("GetBucketLocation", None), "acl": ("GetBucketAcl", None),
    "versioning": ("GetBucketVersioning", f'<VersioningConfiguration xmlns="{NS["s3"]}"/>'),
    "logging": ("GetBucketLogging", f'<BucketLoggingStatus xmlns="{NS["s3"]}"/>'),
    "notification": ("GetBucketNotificationConfiguration", f'<NotificationConfiguration xmlns="{NS["s3"]}"/>'),
    "policy": ("GetBucketPolicy", "NoSuchBucketPolicy"),
    "policyStatus": ("GetBucketPolicyStatus", "NoSuchBucketPolicy"),
    "encryption": ("GetBucketEncryption", "ServerSideEncryptionConfigurationNotFoundError"),
    "publicAccessBlock": ("GetPublicAccessBlock", "NoSuchPublicAccessBlockConfiguration"),
    "tagging": ("GetBucketTagging", "NoSuchTagSet"), "lifecycle": ("GetBucketLifecycleConfiguration",
                                                                    "NoSuchLifecycleConfiguration"),
    "object-lock": ("GetObjectLockConfiguration", "ObjectLockConfigurationNotFoundError"),
    "ownershipControls": ("GetBucketOwnershipControls", "OwnershipControlsNotFoundError"),
    "replication": ("GetBucketReplication", "ReplicationConfigurationNotFoundError"),
    "website": ("GetBucketWebsite", "NoSuchWebsiteConfiguration"), "cors": ("GetBucketCors", "NoSuchCORSConfiguration"),
}
REPORT_HEADER = ("user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
                 "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
                 "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
                 "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
                 "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,"
                 "cert_2_active,cert_2_last_rotated")


class Request:
    """One request, already split into what the answers need."""
    __slots__ = ("method", "path", "query", "headers", "body", "account", "region", "service", "op", "protocol",
                 "params", "rid", "json_type")


def ident(account, region=0, n=0):
    """17 hex digits from the account, a region index and a number: the same resource always
    gets the same id, so repeated scans see the same estate."""
    return f"{region:02x}{int(account) - int(MANAGEMENT):07x}{n:08x}"


def query_response(op, ns, result, rid):
    """awsQuery's envelope: <OpResponse><OpResult>...</OpResult><ResponseMetadata>."""
    return (f'<{op}Response xmlns="{ns}"><{op}Result>{result}</{op}Result>'
            f"<ResponseMetadata><RequestId>{rid}</RequestId></ResponseMetadata></{op}Response>")


def ec2_response(op, body, rid):
    """EC2's envelope has no Result element: members sit directly under the root."""
    return f'<{op}Response xmlns="{NS["ec2"]}"><requestId>{rid}</requestId>{body}</{op}Response>'


class Estate:
    """The organization and its resources; answers one parsed request at a time."""

    def __init__(self, args):
        self.args = args
        self.accounts = [str(int(MANAGEMENT) + n) for n in range(args.accounts)]
        self.known = set(self.accounts)
        self.buckets = {}  # token bucket per (account, region, service): [tokens, last refill]
        self.stats = {"requests": 0, "connections": 0, "throttled": 0, "by_operation": collections.Counter(),
                      "by_account": collections.Counter(), "throttled_by_service": collections.Counter()}
        self.started, self.cpu_started, self.counter = time.monotonic(), time.process_time(), 0

    def snapshot(self):
        seconds, cpu = time.monotonic() - self.started, time.process_time() - self.cpu_started
        return dict(self.stats, seconds=round(seconds, 3), cpu_seconds=round(cpu, 3),
                    requests_per_cpu_second=round(self.stats["requests"] / cpu) if cpu else None)

    # -- routing ---------------------------------------------------------------------
    def answer(self, r):
        """(status, content type, body, extra headers) for request `r`."""
        self.counter += 1
        r.rid = f"5ba1e0f0-0000-4000-8000-{self.counter:012d}"
        if r.path == "/_stats":
            return 200, "application/json", json.dumps(self.snapshot(), indent=1), ()
        # Credential=AKID/DATE/REGION/SERVICE/aws4_request names who calls, where and what.
        scope = r.headers.get("authorization", "").partition("Credential=")[2].partition(",")[0].split("/")
        akid, r.region, r.service = (scope[0], scope[2], scope[3]) if len(scope) == 5 else ("", "us-east-1", "none")
        r.account = akid[4:16] if akid.startswith("ASIA") and akid[4:16].isdigit() else MANAGEMENT
        content_type = r.headers.get("content-type", "")
        if "x-amz-target" in r.headers:
            r.protocol, r.op = "json", r.headers["x-amz-target"].rpartition(".")[2]
            r.json_type = content_type or "application/x-amz-json-1.1"  # 1.0 or 1.1: answered in kind
            r.params = json.loads(r.body) if r.body else {}
        elif content_type.startswith(FORM) or r.body.startswith(b"Action="):
            r.params = {k: v[0] for k, v in parse_qs(r.body.decode()).items()}
            r.protocol, r.op = ("ec2" if r.service == "ec2" else "query"), r.params.get("Action", "Unknown")
        else:
            if r.service == "s3" and r.path.startswith("/v20180820/"):  # S3 Control signs as s3
                r.service = "s3control"
            r.protocol = "rest-xml" if r.service in REST_XML else "rest-json"
            r.params = {k: v[0] for k, v in parse_qs(r.query, keep_blank_values=True).items()}
            r.op = self.s3_operation(r) if r.service == "s3" else REST_OPS.get(f"{r.method} {r.path.rstrip('/')}",
                                                                                 f"{r.method} {r.path}")
        st = self.stats
        st["requests"] += 1
        st["by_operation"][f"{r.service}:{r.op}"] += 1
        st["by_account"][r.account] += 1
        if self.throttled(r):
            st["throttled"] += 1
            st["throttled_by_service"][r.service] += 1
            return self.throttling(r)
        handler = getattr(self, f"on_{r.service}_{r.op}", None)
        return handler(r) if handler else self.empty(r)

    def throttled(self, r):
        if r.account == self.args.throttle_all_ec2 and r.service == "ec2":
            return True
        if self.args.throttle_fraction and random.random() < self.args.throttle_fraction:
            return True
        rate = self.args.rate_per_second
        if rate:  # token bucket: burst `rate`, refilled at `rate` per second
            now, key = time.monotonic(), (r.account, r.region, r.service)
            bucket = self.buckets.setdefault(key, [rate, now])
            bucket[0] = min(rate, bucket[0] + (now - bucket[1]) * rate)
            bucket[1] = now
            if bucket[0] < 1:
                return True
            bucket[0] -= 1
        return False

    # -- errors and empty answers, by protocol ------------------------------------------
    def error(self, r, status, code, message):
        if r.protocol == "ec2":
            return status, XML, (f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error>"
                                 f"</Errors><RequestID>{r.rid}</RequestID></Response>"), ()
        if r.service in ("s3", "s3control"):
            return status, "application/xml", (f"<Error><Code>{code}</Code><Message>{message}</Message>"
                                               f"<RequestId>{r.rid}</RequestId><HostId>{r.rid}</HostId></Error>"), ()
        if r.protocol in ("query", "rest-xml"):
            ns = NS.get(r.service, "")
            return status, XML, (f'<ErrorResponse xmlns="{ns}"><Error><Type>Sender</Type><Code>{code}</Code>'
                                 f"<Message>{message}</Message></Error><RequestId>{r.rid}</RequestId>"
                                 f"</ErrorResponse>"), ()
        if r.protocol == "rest-json":  # the error type travels in a header
            return status, "application/json", json.dumps({"message": message}), (("x-amzn-ErrorType", code),)
        return status, r.json_type, json.dumps({"__type": code, "message": message, "Message": message}), ()

    def throttling(self, r):
        if r.service == "ec2":
            return self.error(r, 503, "RequestLimitExceeded", "Request limit exceeded.")
        if r.service in ("s3", "s3control"):
            return self.error(r, 503, "SlowDown", "Please reduce your request rate.")
        if r.service == "organizations":
            return self.error(r, 400, "TooManyRequestsException", "AWS Organizations can't complete your request "
                              "because another request is already in progress. Try again later.")
        if r.protocol == "rest-json":
            return self.error(r, 429, "ThrottlingException", "Rate exceeded")
        if r.protocol in ("query", "rest-xml"):
            return self.error(r, 400, "Throttling", "Rate exceeded")
        return self.error(r, 400, "ThrottlingException", "Rate exceeded")

    def empty(self, r):
        """A successful answer with nothing in it, so a table over the operation lists no rows."""
        if r.protocol == "ec2":
            return 200, XML, ec2_response(r.op, "", r.rid), ()
        if r.protocol == "query":
            more = "<IsTruncated>false</IsTruncated>" if r.service == "iam" and r.op.startswith("List") else ""
            return 200, XML, query_response(r.op, NS.get(r.service, ""), more, r.rid), ()
        if r.protocol == "rest-xml":  # never <Response>, <Error...>: those roots are error documents
            return 200, "application/xml", f'<{XML_ROOTS.get(r.op, "EmptyResult")} xmlns="{NS[r.service]}"/>', ()
        return 200, r.json_type if r.protocol == "json" else "application/json", "{}", ()

    # -- STS ---------------------------------------------------------------------------
    def on_sts_GetCallerIdentity(self, r):
        if r.account == MANAGEMENT:  # the base credentials: the management account's root
            who = f"<Arn>arn:aws:iam::{r.account}:root</Arn><UserId>{r.account}</UserId>"
        else:
            who = (f"<Arn>arn:aws:sts::{r.account}:assumed-role/OrganizationAccountAccessRole/cove</Arn>"
                   f"<UserId>AROA{ident(r.account).upper()}:cove</UserId>")
        return 200, XML, query_response(r.op, NS["sts"], f"{who}<Account>{r.account}</Account>", r.rid), ()

    def on_sts_AssumeRole(self, r):
        arn = r.params.get("RoleArn", "")
        parts = arn.split(":")
        account, role = (parts[4], parts[5].partition("/")[2]) if len(parts) == 6 else ("", "")
        if account not in self.known:
            return self.error(r, 403, "AccessDenied", f"User: arn:aws:iam::{r.account}:root is not authorized to "
                              f"perform: sts:AssumeRole on resource: {arn}")
        session = r.params.get("RoleSessionName", "session")
        expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        # The access key spells the account (ASIA + 12 digits + 4): requests signed with it are that account's.
        body = (f"<Credentials><AccessKeyId>ASIA{account}BNCH</AccessKeyId>"
                f"<SecretAccessKey>standin/secret/{account}/0000000000000000</SecretAccessKey>"
                f"<SessionToken>FwoGZXIvYXdzEStandin{account}Token</SessionToken><Expiration>{expires}</Expiration>"
                f"</Credentials><AssumedRoleUser><AssumedRoleId>AROA{ident(account).upper()}:{session}"
                f"</AssumedRoleId><Arn>arn:aws:sts::{account}:assumed-role/{role}/{session}</Arn></AssumedRoleUser>"
                f"<PackedPolicySize>6</PackedPolicySize>")
        return 200, XML, query_response(r.op, NS["sts"], body, r.rid), ()

    # -- Organizations (JSON 1.1) --------------------------------------------------------
    def organizations(self, r, body):
        # Members may describe their organization but not list it, as in AWS.
        if r.account != MANAGEMENT and r.op != "DescribeOrganization":
            return self.error(r, 400, "AccessDeniedException", "You don't have permissions to access this resource.")
        return 200, r.json_type, json.dumps(body), ()

    def org_account(self, n, account):
        return {"Id": account, "Arn": f"arn:aws:organizations::{MANAGEMENT}:account/{ORG_ID}/{account}",
                "Email": f"bench+{account}@example.com", "Name": "management" if n == 0 else f"member-{n:04d}",
                "Status": "ACTIVE", "State": "ACTIVE", "JoinedMethod": "INVITED" if n == 0 else "CREATED",
                "JoinedTimestamp": 1705311000 + n}

    def on_organizations_DescribeOrganization(self, r):
        master = f"arn:aws:organizations::{MANAGEMENT}:account/{ORG_ID}/{MANAGEMENT}"
        return self.organizations(r, {"Organization": {
            "Id": ORG_ID, "Arn": f"arn:aws:organizations::{MANAGEMENT}:organization/{ORG_ID}", "FeatureSet": "ALL",
            "MasterAccountArn": master, "MasterAccountId": MANAGEMENT, "MasterAccountEmail": "bench@example.com",
            "AvailablePolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}]}})

    def on_organizations_ListAccounts(self, r):
        start = int(r.params.get("NextToken") or 0)
        end = start + min(int(r.params.get("MaxResults") or 20), 20)
        body = {"Accounts": [self.org_account(n, a) for n, a in enumerate(self.accounts[start:end], start)]}
        if end < len(self.accounts):
            body["NextToken"] = str(end)
        return self.organizations(r, body)

    def on_organizations_ListAccountsForParent(self, r):
        if r.params.get("ParentId") != ROOT_ID:  # the organization is flat: only the root holds accounts
            return self.organizations(r, {"Accounts": []})
        return self.on_organizations_ListAccounts(r)

    def on_organizations_ListRoots(self, r):
        arn = f"arn:aws:organizations::{MANAGEMENT}:root/{ORG_ID}/{ROOT_ID}"
        return self.organizations(r, {"Roots": [{"Id": ROOT_ID, "Name": "Root", "PolicyTypes": [], "Arn": arn}]})

    def on_organizations_ListOrganizationalUnitsForParent(self, r):
        return self.organizations(r, {"OrganizationalUnits": []})

    def on_organizations_ListParents(self, r):
        return self.organizations(r, {"Parents": [{"Id": ROOT_ID, "Type": "ROOT"}]})

    # -- EC2 -----------------------------------------------------------------------------
    def on_ec2_DescribeRegions(self, r):
        items = "".join(f"<item><regionName>{name}</regionName><regionEndpoint>ec2.{name}.amazonaws.com"
                        f"</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item>" for name in REGIONS)
        return 200, XML, ec2_response(r.op, f"<regionInfo>{items}</regionInfo>", r.rid), ()

    def instances(self, account, region):
        """(id, state, type, n) of the account's instances in the region: derived from their
        index, so nothing is stored however large the estate."""
        rx = REGIONS.index(region) + 1 if region in REGIONS else 99
        return [(f"i-{ident(account, rx, n)}", "stopped" if n % 4 == 3 else "running",
                 ("t3.micro", "m5.large", "c6i.xlarge")[n % 3], n) for n in range(self.args.instances_per_region)]

    def instance_xml(self, account, region, iid, state, itype, n):
        rx = REGIONS.index(region) + 1 if region in REGIONS else 99
        vpc, subnet, sg = (f"{k}-{ident(account, rx, 0xf0000000 + i)}" for i, k in enumerate(("vpc", "subnet", "sg")))
        ip = f"10.{rx}.{n // 250}.{n % 250 + 4}"
        return (f"<item><instanceId>{iid}</instanceId><imageId>ami-{rx:017x}</imageId><instanceState><code>"
                f"{80 if state == 'stopped' else 16}</code><name>{state}</name></instanceState><privateDnsName>"
                f"ip-{ip.replace('.', '-')}.{region}.compute.internal</privateDnsName><dnsName/><reason/>"
                f"<amiLaunchIndex>0</amiLaunchIndex><productCodes/><instanceType>{itype}</instanceType><launchTime>"
                f"2024-01-15T09:30:00.000Z</launchTime><placement><availabilityZone>{region}a</availabilityZone>"
                f"<groupName/><tenancy>default</tenancy></placement><monitoring><state>disabled</state></monitoring>"
                f"<subnetId>{subnet}</subnetId><vpcId>{vpc}</vpcId><privateIpAddress>{ip}</privateIpAddress>"
                f"<sourceDestCheck>true</sourceDestCheck><groupSet><item><groupId>{sg}</groupId><groupName>default"
                f"</groupName></item></groupSet><architecture>x86_64</architecture><rootDeviceType>ebs"
                f"</rootDeviceType><rootDeviceName>/dev/xvda</rootDeviceName><blockDeviceMapping/>"
                f"<virtualizationType>hvm</virtualizationType><tagSet><item><key>Name</key><value>bench-{n}</value>"
                f"</item></tagSet><hypervisor>xen</hypervisor><networkInterfaceSet/><ebsOptimized>false"
                f"</ebsOptimized><metadataOptions><state>applied</state><httpTokens>required</httpTokens>"
                f"<httpPutResponseHopLimit>2</httpPutResponseHopLimit><httpEndpoint>enabled</httpEndpoint>"
                f"</metadataOptions></item>")

    def on_ec2_DescribeInstances(self, r):
        p = r.params
        instances = self.instances(r.account, r.region)
        ids = {v for k, v in p.items() if k.startswith("InstanceId.")}
        if ids:  # as in EC2, an unknown id fails the whole call
            missing = ids - {i[0] for i in instances}
            if missing:
                return self.error(r, 400, "InvalidInstanceID.NotFound",
                                  f"The instance ID '{min(missing)}' does not exist")
            instances = [i for i in instances if i[0] in ids]
        # Filter.N.Name / Filter.N.Value.M: the filters cove pushes down on key columns.
        fields = {"instance-id": 0, "instance-state-name": 1, "instance-type": 2}
        for key, name in p.items():
            if key.startswith("Filter.") and key.endswith(".Name") and name in fields:
                prefix = key[:-4] + "Value."
                values = {v for k, v in p.items() if k.startswith(prefix)}
                instances = [i for i in instances if i[fields[name]] in values]
        start = int(p.get("NextToken") or 0)
        end = start + int(p["MaxResults"]) if "MaxResults" in p else len(instances)
        # One reservation per instance, as separate RunInstances calls would leave them.
        items = "".join(f"<item><reservationId>r-{i[0][2:]}</reservationId><ownerId>{r.account}</ownerId><groupSet/>"
                        f"<instancesSet>{self.instance_xml(r.account, r.region, *i)}</instancesSet></item>"
                        for i in instances[start:end])
        more = f"<nextToken>{end}</nextToken>" if end < len(instances) else ""
        return 200, XML, ec2_response(r.op, f"<reservationSet>{items}</reservationSet>{more}", r.rid), ()

    # -- S3 (REST XML, path-style) -------------------------------------------------------
    def s3_operation(self, r):
        """The operation a path-style S3 request is, from its method, path and sub-resource."""
        bucket = r.path.strip("/")  # the SDK addresses a bucket as /NAME/?sub-resource
        if not bucket:
            return "ListBuckets" if r.method == "GET" else f"{r.method} /"
        if "/" in bucket:  # an object
            return f"{r.method} /{bucket.partition('/')[0]}/..."
        sub = next(iter(r.params), "")
        if r.method == "GET" and sub in S3_SUBRESOURCES:
            return S3_SUBRESOURCES[sub][0]
        return {"HEAD": "HeadBucket", "GET": "ListObjects"}.get(r.method, f"{r.method} /{bucket}")

    def on_s3_ListBuckets(self, r):
        prefix = r.params.get("prefix", "")
        owner = f"<Owner><ID>{int(r.account):064x}</ID><DisplayName>bench</DisplayName></Owner>"
        buckets = "".join(f"<Bucket><Name>bench-{r.account}-{s}</Name><CreationDate>{CREATED}</CreationDate></Bucket>"
                          for s in "ab" if f"bench-{r.account}-{s}".startswith(prefix))
        return 200, "application/xml", (f'<ListAllMyBucketsResult xmlns="{NS["s3"]}">{owner}<Buckets>{buckets}'
                                        f"</Buckets></ListAllMyBucketsResult>"), ()

    def s3_bucket(self, r):
        """The bucket's answer for its sub-resource: bucket a is in us-east-1, b in eu-west-1."""
        name = unquote(r.path.strip("/"))
        if name not in (f"bench-{r.account}-a", f"bench-{r.account}-b"):
            return self.error(r, 404, "NoSuchBucket", "The specified bucket does not exist")
        sub = next(iter(r.params), "")
        op, answer = S3_SUBRESOURCES[sub]
        if sub == "location":
            where = "eu-west-1" if name.endswith("-b") else ""
            return 200, "application/xml", f'<LocationConstraint xmlns="{NS["s3"]}">{where}</LocationConstraint>', ()
        if sub == "acl":
            me = f"<ID>{int(r.account):064x}</ID><DisplayName>bench</DisplayName>"
            return 200, "application/xml", (
                f'<AccessControlPolicy xmlns="{NS["s3"]}"><Owner>{me}</Owner><AccessControlList><Grant><Grantee '
                f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser">{me}</Grantee>'
                f"<Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>"), ()
        if answer.startswith("<"):
            return 200, "application/xml", answer, ()
        return self.error(r, 404, answer, f"The {op[3:]} configuration does not exist")

    def on_s3control_GetPublicAccessBlock(self, r):  # the account's block: none set
        return self.error(r, 404, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration "
                          "was not found")

    # -- IAM (query, global) -----------------------------------------------------------
    def iam_user(self, account, n, name):
        return (f"<Path>/</Path><UserName>{name}</UserName><UserId>AIDA{ident(account, 0, n).upper()}"
                f"</UserId><Arn>arn:aws:iam::{account}:user/{name}</Arn><CreateDate>{CREATED}</CreateDate>")

    def on_iam_ListUsers(self, r):
        users = "".join(f"<member>{self.iam_user(r.account, n, u)}</member>" for n, u in enumerate(USERS))
        return 200, XML, query_response(r.op, NS["iam"], f"<Users>{users}</Users><IsTruncated>false</IsTruncated>",
                                        r.rid), ()

    def on_iam_GetUser(self, r):
        name = r.params.get("UserName")
        if name not in USERS:
            return self.error(r, 404, "NoSuchEntity", f"The user with name {name} cannot be found.")
        return 200, XML, query_response(r.op, NS["iam"], f"<User>{self.iam_user(r.account, USERS.index(name), name)}"
                                                         f"</User>", r.rid), ()

    def on_iam_GetLoginProfile(self, r):  # no user has a console password
        return self.error(r, 404, "NoSuchEntity", f"Login Profile for User {r.params.get('UserName')} cannot be found.")

    def on_iam_GetAccountPasswordPolicy(self, r):
        return self.error(r, 404, "NoSuchEntity", f"The Password Policy with domain name {r.account} cannot be found.")

    def on_iam_GenerateCredentialReport(self, r):
        return 200, XML, query_response(r.op, NS["iam"], "<State>COMPLETE</State>", r.rid), ()

    def on_iam_GetCredentialReport(self, r):
        na = ",N/A,N/A,N/A,N/A"  # an access key's last rotation and use
        rows = [f"<root_account>,arn:aws:iam::{r.account}:root,{CREATED},not_supported,N/A,not_supported,"
                f"not_supported,true,false{na},false{na},false,N/A,false,N/A"]
        rows += [f"{u},arn:aws:iam::{r.account}:user/{u},{CREATED},false,N/A,N/A,N/A,false,false{na},false{na},"
                 f"false,N/A,false,N/A" for u in USERS]
        content = base64.b64encode("\n".join([REPORT_HEADER] + rows).encode()).decode()
        return 200, XML, query_response(r.op, NS["iam"], f"<Content>{content}</Content><ReportFormat>text/csv"
                                                         f"</ReportFormat><GeneratedTime>{CREATED}</GeneratedTime>",
                                        r.rid), ()


# S3 bucket sub-resources all go to one handler.
for _sub, (_op, _) in S3_SUBRESOURCES.items():
    setattr(Estate, f"on_s3_{_op}", Estate.s3_bucket)


class Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection: requests in, answers out after the latency."""

    def __init__(self, estate, latency):
        self.estate, self.latency, self.buffer, self.pending, self.transport = estate, latency, bytearray(), None, None

    def connection_made(self, transport):
        self.transport = transport
        self.estate.stats["connections"] += 1  # a client that reuses none opens one per request

    def data_received(self, data):
        self.buffer += data
        while True:
            if self.pending is None:  # waiting for a request's head
                end = self.buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                lines = self.buffer[:end].decode("latin-1").split("\r\n")
                del self.buffer[:end + 4]
                r = Request()
                r.method, target, _ = lines[0].split(" ", 2)
                r.path, _, r.query = target.partition("?")
                r.headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    r.headers[name.strip().lower()] = value.strip()
                if "chunked" in r.headers.get("transfer-encoding", ""):  # no SDK call cove makes sends one
                    self.send(b"HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", True)
                    return
                self.pending = (r, int(r.headers.get("content-length") or 0))
            r, length = self.pending
            if len(self.buffer) < length:
                return
            r.body = bytes(self.buffer[:length])
            del self.buffer[:length]
            self.pending = None
            try:
                status, content_type, body, extra = self.estate.answer(r)
            except Exception as e:  # a request the stand-in cannot read: say so, keep serving
                status, content_type, body, extra = 500, "text/plain", f"stand-in: {e!r}", ()
            body = body.encode() if r.method != "HEAD" else b""
            head = [f"HTTP/1.1 {status} {REASONS.get(status, 'OK')}", f"Content-Type: {content_type}",
                    f"Content-Length: {len(body)}", f"x-amzn-RequestId: {r.rid}", f"x-amz-request-id: {r.rid}"]
            head += [f"{k}: {v}" for k, v in extra]
            close = r.headers.get("connection", "").lower() == "close"
            response = ("\r\n".join(head) + "\r\n\r\n").encode() + body
            # Answers to one connection keep their order: every one waits the same latency.
            if self.latency:
                asyncio.get_running_loop().call_later(self.latency, self.send, response, close)
            else:
                self.send(response, close)

    def send(self, data, close=False):
        if not self.transport.is_closing():
            self.transport.write(data)
            if close:
                self.transport.close()


async def serve(args):
    estate = Estate(args)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Connection(estate, args.latency_ms / 1000), "127.0.0.1", args.port,
                                      backlog=4096)
    print(f"ready {server.sockets[0].getsockname()[1]}", flush=True)
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    await stop
    server.close()
    if args.stats_file:
        with open(args.stats_file, "w") as f:
            json.dump(estate.snapshot(), f, indent=1)


def signed(method, service, region, akid, body=b"", headers=""):
    """A request as an SDK sends it, for the load test: the signature itself is never checked."""
    return (f"{method} / HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}Content-Length: {len(body)}\r\nAuthorization: "
            f"AWS4-HMAC-SHA256 Credential={akid}/20240115/{region}/{service}/aws4_request, SignedHeaders=host, "
            f"Signature=0\r\n\r\n").encode() + body


async def load_test(args):
    """Keep-alive clients cycling through a mix of the calls a scan makes (STS, EC2, S3, IAM,
    Organizations), each sending its next request as soon as the answer is in."""
    form, target = f"Content-Type: {FORM}\r\n", "Content-Type: application/x-amz-json-1.1\r\nX-Amz-Target: "
    mix = [signed("POST", "sts", "us-east-1", "testing", b"Action=GetCallerIdentity&Version=2011-06-15", form),
           signed("POST", "ec2", "eu-west-1", "ASIA100000000001BNCH", b"Action=DescribeInstances&Version=2016-11-15"
                  b"&MaxResults=1000", form),
           signed("GET", "s3", "us-east-1", "ASIA100000000002BNCH"),
           signed("POST", "iam", "us-east-1", "ASIA100000000003BNCH", b"Action=ListUsers&Version=2010-05-08", form),
           signed("POST", "organizations", "us-east-1", "testing", b"{}",
                  target + "AWSOrganizationsV20161128.ListAccounts\r\n")]
    done, deadline = [0], time.monotonic() + args.seconds

    async def client(k):
        reader, writer = await asyncio.open_connection("127.0.0.1", args.load_test)
        while time.monotonic() < deadline:
            writer.write(mix[(done[0] + k) % len(mix)])
            head = await reader.readuntil(b"\r\n\r\n")
            await reader.readexactly(int(head.lower().partition(b"content-length:")[2].split(b"\r\n")[0]))
            done[0] += 1
        writer.close()

    started = time.monotonic()
    await asyncio.gather(*(client(k) for k in range(args.connections)))
    seconds = time.monotonic() - started
    print(f"{done[0]} requests in {seconds:.1f} s: {done[0] / seconds:.0f} requests/s "
          f"over {args.connections} connections")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--accounts", type=int, default=10, help="accounts in the organization, the management one included")
    p.add_argument("--latency-ms", type=float, default=40, help="delay before every answer")
    p.add_argument("--throttle-fraction", type=float, default=0, help="throttle this share of requests at random")
    p.add_argument("--rate-per-second", type=float, default=0, help="token bucket per account, region and service")
    p.add_argument("--throttle-all-ec2", metavar="ACCOUNT", help="throttle every EC2 call of this account")
    p.add_argument("--instances-per-region", type=int, default=2)
    p.add_argument("--stats-file", help="where to write the request counts on SIGTERM/SIGINT")
    p.add_argument("--load-test", type=int, metavar="PORT", help="drive the stand-in on PORT instead of serving")
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--seconds", type=float, default=10)
    args = p.parse_args()
    if args.accounts < 1:
        sys.exit("--accounts must be at least 1: the management account")
    asyncio.run(load_test(args) if args.load_test else serve(args))


if __name__ == "__main__":
    main()
