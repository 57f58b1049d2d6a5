"""Benchmark: cove over 10 to 5,000 accounts x 17 regions against the fast stand-in for
AWS (bench/standin.py), beside the latency floor of each size, and Botocove on the same
stand-in where it finishes.

Usage: python3 bench/scale.py [--cove target/debug/cove] [--sizes 10,100,1000,5000]
                              [--latency-ms 40] [--throttle-fraction 0.2]
                              [--workload inventory|check] [--botocove DIR [--botocove-max 1000]]
Prints a Markdown table: wall time, peak RSS, API calls, retries, throttled answers and
the (account, region) groups missing from the answer; with --botocove, a row for Botocove
below each size (Botocove leaves out the management account: 17 groups fewer). Reaches
no address but loopback.
"""
import argparse
import json
import math
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REGIONS = [
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2",
    "eu-west-3", "eu-central-1", "eu-north-1", "ap-south-1", "ap-northeast-1", "ap-northeast-2",
    "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "sa-east-1",
]
INVENTORY = "SELECT account_id, region, count(*) AS instances FROM aws_ec2_instance GROUP BY 1, 2"
# Organizations lists accounts 20 to a page, one page after another.
ACCOUNTS_PER_PAGE = 20


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(endpoint):
    """Dummy credentials and the stand-in as every service's endpoint: nothing reaches AWS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION="us-east-1",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE="/dev/null",
        AWS_SHARED_CREDENTIALS_FILE="/dev/null",
    )
    return env


class StandIn:
    def __init__(self, accounts, args):
        self.port = free_port()
        command = [
            sys.executable, os.path.join(HERE, "standin.py"), "--port", str(self.port),
            "--accounts", str(accounts), "--latency-ms", str(args.latency_ms),
            "--throttle-fraction", str(args.throttle_fraction),
        ]
        if args.throttle_all_ec2:
            command += ["--throttle-all-ec2", args.throttle_all_ec2]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=tempfile.gettempdir())
        line = self.process.stdout.readline()
        if not line.startswith("ready"):
            raise SystemExit(f"the stand-in did not start: {line!r}")
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def stats(self):
        with urllib.request.urlopen(f"{self.endpoint}/_stats") as answer:
            return json.load(answer)

    def close(self):
        self.process.terminate()
        self.process.wait()


def measured(command, env):
    """Runs a command to its end: wall time, the child's own peak RSS in MB, exit code,
    stdout and stderr. Output goes to files, so that the child can be waited for with
    wait4, which reports its resource usage."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.monotonic()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        return elapsed, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), out.read(), err.read()


def cove_run(args, accounts):
    standin = StandIn(accounts, args)
    try:
        command = [args.cove, "--org", "--regions", ",".join(REGIONS)]
        if args.concurrency:
            command += ["--concurrency", str(args.concurrency)]
        if args.workload == "inventory":
            command += ["query", INVENTORY, "-o", "csv", "--stats"]
        else:
            command += ["check", "-o", "json"]
        seconds, rss, code, out, err = measured(command, environment(standin.endpoint))
        stats = standin.stats()
    finally:
        standin.close()
    groups = len(out.strip().splitlines()) - 1 if args.workload == "inventory" else None
    return {
        "seconds": seconds,
        "rss_mb": rss,
        "exit": code,
        "requests": stats.get("requests"),
        "throttled": stats.get("throttled"),
        "retries": sum(int(n) for n in re.findall(r"(\d+) retries", err)),
        "missing": None if groups is None else accounts * len(REGIONS) - groups,
        "stderr": err,
    }


def botocove_run(args, accounts):
    """The same inventory with Botocove (bench/botocove_inventory.py)."""
    standin = StandIn(accounts, args)
    try:
        env = environment(standin.endpoint)
        env["PYTHONPATH"] = args.botocove
        command = [sys.executable, os.path.join(HERE, "botocove_inventory.py"), ",".join(REGIONS)]
        seconds, rss, code, out, err = measured(command, env)
        stats = standin.stats()
    finally:
        standin.close()
    groups = len(out.strip().splitlines()) - 1
    return {"seconds": seconds, "rss_mb": rss, "exit": code, "requests": stats.get("requests"),
            "groups": groups, "stderr": err}


def floor_seconds(accounts, latency):
    """The chain of round trips no client can shorten: GetCallerIdentity, the pages of
    ListAccounts one after another, then in every account at once AssumeRole and one
    DescribeInstances per region."""
    return (1 + math.ceil(accounts / ACCOUNTS_PER_PAGE) + 1 + 1) * latency


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cove", default="target/debug/cove")
    parser.add_argument("--sizes", default="10,100,1000,5000")
    parser.add_argument("--latency-ms", type=float, default=40)
    parser.add_argument("--throttle-fraction", type=float, default=0.0)
    parser.add_argument("--throttle-all-ec2")
    parser.add_argument("--concurrency", type=int)
    parser.add_argument("--workload", choices=["inventory", "check"], default="inventory")
    parser.add_argument("--botocove", metavar="DIR",
                        help="also run Botocove, installed in DIR (pip install --target DIR botocove==1.7.4)")
    parser.add_argument("--botocove-max", type=int, default=1000, help="the largest size Botocove runs")
    args = parser.parse_args()
    print("| accounts | targets | floor (s) | cove (s) | x floor | peak RSS (MB) | requests | retries | throttled | groups missing |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for size in [int(s) for s in args.sizes.split(",")]:
        run = cove_run(args, size)
        floor = floor_seconds(size, args.latency_ms / 1000)
        print(f"| {size:,} | {size * len(REGIONS):,} | {floor:.2f} | {run['seconds']:.2f} | "
              f"{run['seconds'] / floor:.1f} | {run['rss_mb']:.0f} | {run['requests']:,} | {run['retries']} | "
              f"{run['throttled']} | {run['missing']} |", flush=True)
        if run["exit"] != 0:
            print(run["stderr"][-2000:], file=sys.stderr)
        if args.botocove and args.workload == "inventory" and size <= args.botocove_max:
            boto = botocove_run(args, size)
            print(f"|   Botocove | | | {boto['seconds']:.2f} | {boto['seconds'] / floor:.1f} | {boto['rss_mb']:.0f} | "
                  f"{boto['requests']:,} | | | {size * len(REGIONS) - boto['groups']} |", flush=True)
            if boto["exit"] != 0:
                print(boto["stderr"][-2000:], file=sys.stderr)


if __name__ == "__main__":
    main()
