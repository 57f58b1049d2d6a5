"""Benchmark: an inventory query over N accounts x 3 regions at an injected round-trip
time, cove against the boto3 thread-pool script next to this file.

Usage: python3 bench/inventory.py [--cove target/release/cove] [--rtt-ms 40] [--sizes 4,16,64]
Starts moto on loopback behind a latency proxy, seeds 64 member accounts with 2
instances per region, and prints a Markdown table. Reaches no address but loopback.
"""
import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import boto3

REGIONS = ["us-east-1", "eu-west-1", "eu-central-1"]
HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def latency_proxy(upstream_port, rtt):
    """Every request waits one round trip before it reaches moto. Chunks a client sends
    within 20 ms of the last are the same request (headers, then body) and are not delayed
    again, so clients that write a request in several pieces are not penalised."""
    port = free_port()

    async def pipe(reader, writer, delay):
        last = 0.0
        try:
            while data := await reader.read(65536):
                now = time.monotonic()
                if delay and now - last > 0.02:
                    await asyncio.sleep(delay)
                last = time.monotonic()
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()

    async def handle(client_reader, client_writer):
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", upstream_port)
        await asyncio.gather(pipe(client_reader, server_writer, rtt), pipe(server_reader, client_writer, 0))

    async def serve():
        server = await asyncio.start_server(handle, "127.0.0.1", port)
        async with server:
            await server.serve_forever()

    threading.Thread(target=lambda: asyncio.run(serve()), daemon=True).start()
    return port


def seed(endpoint, members):
    os.environ.update(AWS_ENDPOINT_URL=endpoint)
    org = boto3.client("organizations", region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    ids = [org.create_account(Email=f"m{n}@example.com", AccountName=f"m{n}")["CreateAccountStatus"]["AccountId"]
           for n in range(members)]

    def fill(account):
        creds = boto3.client("sts", region_name="us-east-1").assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="seed")["Credentials"]
        for region in REGIONS:
            boto3.client("ec2", region_name=region, aws_access_key_id=creds["AccessKeyId"],
                         aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"]
                         ).run_instances(ImageId="ami-12c6146b", MinCount=2, MaxCount=2)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(fill, ids))
    return ids


def timed(command, env):
    started = time.perf_counter()
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - started, out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cove", default=os.path.join(HERE, "..", "target", "release", "cove"))
    parser.add_argument("--rtt-ms", type=float, default=40)
    parser.add_argument("--sizes", default="4,16,64")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]

    env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="us-east-1",
               AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null", XDG_CONFIG_HOME="/nonexistent")
    env.pop("AWS_PROFILE", None)
    os.environ.update(env)
    moto_port = free_port()
    # moto's working directory holds its request recording: never the checkout.
    moto_dir = tempfile.TemporaryDirectory(prefix="cove-bench-moto-")
    moto_env = dict(env, MOTO_RECORDER_FILEPATH=os.path.join(moto_dir.name, "moto_recording"))
    moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(moto_port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=moto_env, cwd=moto_dir.name)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", moto_port), 0.1).close()
                break
            except OSError:
                time.sleep(0.1)
        print(f"seeding {max(sizes)} accounts x {len(REGIONS)} regions ...", file=sys.stderr)
        ids = seed(f"http://127.0.0.1:{moto_port}", max(sizes))
        env["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{latency_proxy(moto_port, args.rtt_ms / 1000)}"
        print(f"| accounts | targets | cove (s) | cove API calls | boto3 (s) | boto3 API calls | boto3 / cove |")
        print(f"|---|---|---|---|---|---|---|")
        for n in sizes:
            accounts = ",".join(ids[:n])
            sql = "SELECT account_id, region, count(*) FROM aws_ec2_instance GROUP BY 1, 2"
            cove = [args.cove, "--accounts", accounts, "--regions", ",".join(REGIONS), "query", "--stats", "-o", "csv", sql]
            python = [sys.executable, os.path.join(HERE, "boto3_inventory.py"), accounts, ",".join(REGIONS)]
            cove_runs = [timed(cove, env) for _ in range(args.runs)]
            python_runs = [timed(python, env) for _ in range(args.runs)]
            cove_s = statistics.median(t for t, _ in cove_runs)
            python_s = statistics.median(t for t, _ in python_runs)
            cove_calls = cove_runs[0][1].stderr.split(" scanned")[1].split(" API calls")[0].split(", ")[-1]
            python_calls = python_runs[0][1].stdout.split(", ")[1].split(" ")[0]
            print(f"| {n} | {n * len(REGIONS)} | {cove_s:.2f} | {cove_calls} | {python_s:.2f} | {python_calls} | {python_s / cove_s:.1f}x |")
    finally:
        moto.terminate()
        moto.wait()
        moto_dir.cleanup()


main()
