"""How bounded a call to a hostile platform is, in time and in memory.

1. A platform that trickles every answer at one byte per second, against a connection with
   `timeout=3` and `retry_max_seconds=10`: how long a hook call runs before it gives up (target:
   within the 10 s budget, plus at most a second).
2. Peak RSS of a process whose hook reads the largest answer it accepts (the connection's
   `max_answer_bytes`, 4 MiB by default), and of one refused a 200 MB answer, each against a
   process that made one small call (target: the largest accepted answer costs at most 5x its
   size; the refused one no more).
3. How long the answer parser takes on a 4 MiB answer padded with spaces (target: under 1 s, the
   parser is linear), and, for comparison, on 4 MiB of nesting and of random relaxed text.

Run with `make bench` (after the import benchmark) or `python benchmarks/bench_answers.py`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, for tests.support

import contextlib

from tests.support.hostile_platforms import oversized_platform

TRICKLE_CONNECTION = {"timeout": 3, "retry_max_seconds": 10, "retry_backoff": 0.5}
ACCEPTED_BYTES = 4 * 1024 * 1024
REFUSED_BYTES = 200 * 1024 * 1024
SMALL_BYTES = 1024
MEMORY_TARGET = 5.0
PARSE_TARGET_SECONDS = 1.0


def hook_for(base_url: str, **extra: object) -> object:
    """A hook on a connection to `base_url`, made the way Airflow reads `AIRFLOW_CONN_*`."""
    from airflow_provider_jodo.hooks.jodo import JodoHook

    connection = {
        "conn_type": "jodo",
        "host": base_url,
        "login": "account",
        "password": "a-password-of-the-bench",
        "schema": "team",
        "extra": {"max_retries": 0, **extra},
    }
    os.environ["AIRFLOW_CONN_JODO_BENCH"] = json.dumps(connection)
    return JodoHook(jodo_conn_id="jodo_bench")


def bench_trickle() -> float:
    """Seconds a status call to a trickling platform runs before it fails."""
    from airflow_provider_jodo.exceptions import JodoConnectionError
    from jodo_sandbox import Fault, FaultPlan, JodoSandbox

    plan = FaultPlan({Fault.TRICKLE: 1.0}, trickle_seconds=1.0)
    with JodoSandbox(faults=plan) as sandbox:
        connection = sandbox.connection_dict()
        os.environ["AIRFLOW_CONN_JODO_BENCH"] = json.dumps(
            {**connection, "extra": {**connection["extra"], **TRICKLE_CONNECTION}}
        )
        from airflow_provider_jodo.hooks.jodo import JodoHook

        hook = JodoHook(jodo_conn_id="jodo_bench")
        started = time.monotonic()
        with contextlib.suppress(JodoConnectionError):
            hook.get_import_job("1")
        elapsed = time.monotonic() - started
        hook.close()
    return elapsed


def rss_child(body_bytes: int, result_path: str) -> None:
    """In a fresh process: read one answer of `body_bytes` and write the peak RSS (MB)."""
    from airflow_provider_jodo.exceptions import JodoResponseError

    with oversized_platform(body_bytes, announce_length=False) as platform:
        hook = hook_for(platform.base_url)
        outcome = "read"
        try:
            hook.get_import_job("1")
        except JodoResponseError as error:
            outcome = "refused" if "too large" in str(error) else "read"  # a job it cannot parse
        hook.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes
    Path(result_path).write_text(json.dumps({"peak_mb": peak_mb, "outcome": outcome}))


def bench_rss() -> dict[int, dict[str, object]]:
    results = {}
    with tempfile.TemporaryDirectory(prefix="jodo-bench-answers-") as directory:
        for body_bytes in (SMALL_BYTES, ACCEPTED_BYTES, REFUSED_BYTES):
            result_path = Path(directory) / f"result-{body_bytes}.json"
            child = [sys.executable, __file__, "--rss-child", str(body_bytes), str(result_path)]
            # Through a small shell that forks: Linux carries the peak RSS of the process that
            # calls exec into the new program's ru_maxrss.
            subprocess.run(["/bin/sh", "-c", '"$0" "$@"; exit $?', *child], check=True)
            results[body_bytes] = json.loads(result_path.read_text())
    return results


def parse_answers(size: int) -> dict[str, str]:
    """Answers of `size` characters that a hostile or broken platform could send."""
    pieces = random.Random(21)
    random_text = "".join(pieces.choice("{}[]:,'\" \\ab1|Retuen") for _ in range(size))
    return {
        "padded": "airflowJodo({code:1," + " " * (size - 35) + "message:'4711'})",
        "nested": "airflowJodo(" + "{a:[" * (size // 6) + "]}" * (size // 6) + ")",
        "random": "airflowJodo(" + random_text + ")",
    }


def bench_parse() -> dict[str, float]:
    """Seconds the parser takes on each 4 MiB answer of `parse_answers`, read or refused."""
    from airflow_provider_jodo.exceptions import JodoResponseError
    from airflow_provider_jodo.protocol.wire.answers import parse_answer

    timings = {}
    for name, body in parse_answers(ACCEPTED_BYTES).items():
        started = time.perf_counter()
        with contextlib.suppress(JodoResponseError):
            parse_answer(body, 200, "bench", str, callback="airflowJodo")
        timings[name] = time.perf_counter() - started
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rss-child", nargs=2, metavar=("BYTES", "RESULT"), help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.rss_child:
        rss_child(int(arguments.rss_child[0]), arguments.rss_child[1])
        return 0
    print("Bounded answers benchmark")
    budget = TRICKLE_CONNECTION["retry_max_seconds"]
    elapsed = bench_trickle()
    passed = elapsed <= budget + 1
    print(f"\n1. A platform trickling one byte a second, timeout=3, retry_max_seconds={budget}")
    print(
        f"   the call gave up after {elapsed:.1f} s (target <= {budget + 1} s) {'PASS' if passed else 'FAIL'}"
    )

    results = bench_rss()
    baseline = results[SMALL_BYTES]["peak_mb"]
    print("\n2. Peak RSS of a process reading one answer")
    print(f"   {SMALL_BYTES:>11,} bytes ({results[SMALL_BYTES]['outcome']}): {baseline:7.1f} MB")
    for body_bytes in (ACCEPTED_BYTES, REFUSED_BYTES):
        result = results[body_bytes]
        cost = max(0.0, result["peak_mb"] - baseline)
        multiple = cost / (min(body_bytes, ACCEPTED_BYTES) / 1024 / 1024)
        ok = multiple <= MEMORY_TARGET
        outcome, peak = result["outcome"], result["peak_mb"]
        print(
            f"   {body_bytes:>11,} bytes ({outcome}): {peak:7.1f} MB, +{cost:.1f} MB = {multiple:.1f}x "
            f"the accepted size (target <= {MEMORY_TARGET:g}x) {'PASS' if ok else 'FAIL'}"
        )

    print(f"\n3. Parsing a {ACCEPTED_BYTES:,}-byte answer")
    for name, seconds in bench_parse().items():
        verdict = (
            f"(target < {PARSE_TARGET_SECONDS:g} s) {'PASS' if seconds < PARSE_TARGET_SECONDS else 'FAIL'}"
        )
        print(f"   {name:>7}: {seconds:.2f} s {verdict if name == 'padded' else ''}".rstrip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
