"""Peak RSS of the ProcessData operator reading its CSV from `s3://` and writing its report there.

An S3-compatible store runs on loopback (moto in server mode, in this process); the sandbox
runs in a process of its own. A 10k-record and a 1M-record CSV file are uploaded, and each is
pushed in a fresh process (`source_path` and `report_path` on `s3://`, `storage_conn_id` the
store's `aws` connection) whose peak RSS is measured as `bench_imports` measures it. Target
(issue 15): the 1M run's peak RSS within 1.5x of the 10k run's; the script exits 1 when it is
not.

    python benchmarks/bench_object_storage.py            # 10k against 1M (about 2 minutes)
    python benchmarks/bench_object_storage.py --quick    # 1k against 50k, a smoke run
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, for tests.support

from bench_imports import rss_child, run_fresh_process, sandbox_process, verdict, write_csv

from tests.support.object_store import store_client, store_connection

STORE_CONN_ID = "jodo_bench_s3"
BUCKET = "jodo-bench"
FULL = (10_000, 1_000_000)
QUICK = (1_000, 50_000)
RSS_TARGET = 1.5


@contextmanager
def s3_store() -> Iterator[object]:
    """A moto server on 127.0.0.1 and a free port with bucket `BUCKET`, set as Airflow connection
    `STORE_CONN_ID` for the child processes; yields a boto3 client of it."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint_url = f"http://{host}:{port}"
        os.environ[f"AIRFLOW_CONN_{STORE_CONN_ID.upper()}"] = json.dumps(store_connection(endpoint_url))
        client = store_client(endpoint_url)
        client.create_bucket(Bucket=BUCKET)
        yield client
    finally:
        server.stop()


def bench_s3_rss(counts: tuple[int, ...]) -> dict[int, dict[str, float]]:
    """Peak RSS (MB), seconds and records of a fresh process pushing each count from `s3://`."""
    results = {}
    with s3_store() as client, tempfile.TemporaryDirectory(prefix="jodo-bench-s3-") as directory:
        for count in counts:
            csv_path = Path(directory) / f"leads-{count}.csv"
            result_path = Path(directory) / f"result-{count}.json"
            write_csv(csv_path, count)
            client.upload_file(str(csv_path), BUCKET, csv_path.name)  # multipart, streamed
            csv_path.unlink()
            source = f"s3://{BUCKET}/{csv_path.name}"
            report = f"s3://{BUCKET}/reports/leads-{count}.jsonl"
            with sandbox_process():
                run_fresh_process([sys.executable, __file__, "--rss-child", source, report, str(result_path)])
            results[count] = json.loads(result_path.read_text())
            client.delete_object(Bucket=BUCKET, Key=csv_path.name)  # moto holds objects in memory
            client.delete_object(Bucket=BUCKET, Key=f"reports/leads-{count}.jsonl")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes: a smoke run, not the figures")
    parser.add_argument(
        "--rss-child", nargs=3, metavar=("SOURCE", "REPORT", "RESULT"), help=argparse.SUPPRESS
    )
    arguments = parser.parse_args(argv)
    if arguments.rss_child:
        source, report, result = arguments.rss_child
        rss_child(source, result, report_path=report, storage_conn_id=STORE_CONN_ID)
        return 0
    small, large = QUICK if arguments.quick else FULL
    started = time.perf_counter()
    print("Peak RSS of a process pushing a CSV file from s3:// (moto), report to s3://", flush=True)
    results = bench_s3_rss((small, large))
    for count, result in results.items():
        peak, seconds = result["peak_mb"], result["seconds"]
        rate = result["total"] / seconds
        print(f"   {count:>9} records: {peak:6.1f} MB  ({seconds:.1f} s, {rate:.0f} records/s)")
    ratio = results[large]["peak_mb"] / results[small]["peak_mb"]
    passed = ratio <= RSS_TARGET
    print(f"   {large}/{small}: {ratio:.2f}x (target <= {RSS_TARGET}x) {verdict(passed)}")
    print(f"\nDone in {time.perf_counter() - started:.0f} s.")
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
