"""Throughput and memory of the import operators against the sandbox (`jodo-sandbox`; `make bench`).

In one run it measures and prints (targets from issue 4; measured here, not unit-tested: the
script exits 0 unless something crashed):

1. ImportProcessData records/s through `JodoImportProcessDataOperator` (list input, default
   `max_in_flight=1`) against a replay of the same requests, encoded beforehand and posted
   one after the other with a bare `requests.Session`: the ceiling. Target: ratio >= 0.9.
2. importCJI `source=data` records/s through `JodoImportCJIRecordsOperator` with `max_in_flight`
   calls at a time against a naive sequential loop that opens a new connection per call
   (`requests.get`). Target: ratio >= 5. Measured on loopback as it is, and with the sandbox
   holding every answer back as a platform across a network would (`--latency`).
3. Peak RSS of a process that pushes 10k, 100k and 1M generated records from a CSV file
   through the ProcessData operator, each in a fresh process. Target: 1M within 1.5x of 10k,
   and under 200 MB.
4. The check pass over a 100k-record CSV file (`lead_files.check_lead_file`, which reads the
   whole file before anything is sent) against the operator's push of the same file, the check
   included. Target: the check costs at most a tenth of the push.
5. Lead hygiene's phone numbers (issue 24): records/s of the hygiene step over 1M records whose
   numbers are written without their country code (`phone_region="IN"`), against the same step
   off. Target: at least 10,000 records/s, what ImportProcessData takes at 50 ms a 500-record
   request, so that normalising never holds a push back.
6. Do-not-call suppression (issue 24): a 10M-number list read in a fresh process: the list's
   peak RSS (the process's peak less its size before reading) and records checked per second.
   Targets: under 200 MB, at least 200,000 records/s.
7. Unchanged records skipped (issue 24): a daily run of 100k records through importCJI
   `source=data` (8 calls in flight, the sandbox answering after 50 ms as a platform across a
   network), 1% of them changed since yesterday's: the whole run (`skip_unchanged=False`, which
   also writes yesterday's state) against `skip_unchanged=True`. Calls and seconds of each.
   Targets: the skipping run at least 10x faster, with about 1% of the calls. The whole run
   takes about 7 ms a record, some 12 minutes (`--quick`: 5k records, 40 seconds).

The sandbox always runs in a process of its own, a fresh one per measurement (so that every
run inserts into an empty platform): client and sandbox share this machine's cores, and in
one process the GIL would make each wait for the other.

    python benchmarks/bench_imports.py             # everything (about 15 minutes, 12 of them case 7)
    python benchmarks/bench_imports.py --quick     # smaller sizes, a smoke run
    python benchmarks/bench_imports.py --case 1    # only measurement 1 (repeatable: --case 1 --case 3)
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

CONN_ID = "jodo_bench"
PROCESS_DATA_PATH = "/CustomerWebServices/handleCustomerWS"
IMPORT_CJI_PATH = "/setevent/importCJI"
BATCH_SIZE = 500
CJI_MAX_IN_FLIGHT = 8
SIMULATED_LATENCY_SECONDS = 0.005  # a platform in the same region; real ones are often farther
REPLAY_ROUNDS = 2  # best of: the machine is shared, a single round is noisy


@dataclass(frozen=True)
class Sizes:
    """How many records each measurement pushes."""

    process_data: int
    cji: int
    cji_with_latency: int
    rss: tuple[int, ...]
    file_check: int
    normalisation: int
    suppression_list: int
    daily_run: int


FULL = Sizes(
    process_data=100_000,
    cji=10_000,
    cji_with_latency=1_000,
    rss=(10_000, 100_000, 1_000_000),
    file_check=100_000,
    normalisation=1_000_000,
    suppression_list=10_000_000,
    daily_run=100_000,
)
QUICK = Sizes(
    process_data=10_000,
    cji=1_000,
    cji_with_latency=200,
    rss=(1_000, 10_000, 50_000),
    file_check=10_000,
    normalisation=50_000,
    suppression_list=500_000,
    daily_run=5_000,
)
FILE_CHECK_TARGET = 0.1
"""The check pass over a file may cost at most this share of pushing it."""
NORMALISATION_TARGET = 10_000
"""Records/s: what ImportProcessData takes at 50 ms per request of 500 records."""
SUPPRESSION_MB_TARGET = 200
SUPPRESSION_RATE_TARGET = 200_000
SUPPRESSION_CHECKED = 1_000_000
"""Records checked against the list in measurement 6."""
DAILY_RUN_LATENCY_SECONDS = 0.05
"""Measurement 7's round trip: the issue's platform across a network."""
DAILY_RUN_CHANGED_EVERY = 100
"""One record in this many changed since yesterday (1%)."""
DAILY_RUN_SPEEDUP_TARGET = 10


# --- the sandbox and the operators --------------------------------------------------------


@contextmanager
def sandbox_process(latency: float = 0.0) -> Iterator[dict[str, Any]]:
    """A sandbox in its own process on a free port; yields its Airflow connection (as JSON
    dict), which is also set as `AIRFLOW_CONN_JODO_BENCH` for the operators."""
    with tempfile.TemporaryDirectory(prefix="jodo-bench-") as directory:
        connection_file = Path(directory) / "connection.json"
        log_file = Path(directory) / "sandbox.log"
        command = [
            sys.executable,
            "-m",
            "jodo_sandbox",
            "--port",
            "0",
            "--connection-file",
            str(connection_file),
            "--latency",
            str(latency),
        ]
        with log_file.open("w") as log:
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
            try:
                assert process.stdout is not None
                for line in process.stdout:
                    if line.startswith("Press Ctrl+C"):
                        break
                else:
                    raise RuntimeError(f"the sandbox did not start: {log_file.read_text()[-2000:]}")
                connection = json.loads(connection_file.read_text())
                os.environ[f"AIRFLOW_CONN_{CONN_ID.upper()}"] = json.dumps(connection)
                yield connection
            finally:
                process.send_signal(signal.SIGINT)
                process.wait(timeout=30)


@contextmanager
def task_log_silenced() -> Iterator[None]:
    """Send what the operators log (structlog writes to stdout) to /dev/null, so that only
    the figures are printed."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 1)
        try:
            yield
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)


def timed(run: Callable[[], Any]) -> tuple[float, Any]:
    """(seconds, result) of `run()`."""
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def leads(count: int) -> list[dict[str, str]]:
    """Valid, distinct ImportProcessData records."""
    return [
        {
            "name": f"Lead {i}",
            "mobilenumber": f"91{i:010d}",
            "emailid": f"lead{i}@example.com",
            "extrafield1": f"batch-{i // BATCH_SIZE}",
        }
        for i in range(count)
    ]


def push_process_data(
    records: list[dict[str, str]] | None = None,
    source_path: str | None = None,
    max_in_flight: int = 1,
    report_path: str | None = None,
    storage_conn_id: str | None = None,
) -> tuple[float, dict]:
    """Seconds and summary of JodoImportProcessDataOperator.execute, as a task runs it (report
    at `report_path`, default in the temp dir). The operator is built before the clock starts:
    in Airflow that happens when the DAG file is parsed, not in the task."""
    from airflow_provider_jodo.operators.process_data import JodoImportProcessDataOperator

    with tempfile.TemporaryDirectory(prefix="jodo-bench-report-") as directory:
        operator = JodoImportProcessDataOperator(
            task_id="bench_push",
            jodo_conn_id=CONN_ID,
            records=records,
            source_path=source_path,
            media=12,
            update_key="mobilenumber",
            batch_size=BATCH_SIZE,
            max_in_flight=max_in_flight,
            report_path=report_path or str(Path(directory) / "report.jsonl"),
            storage_conn_id=storage_conn_id,
        )
        with task_log_silenced():
            seconds, summary = timed(lambda: operator.execute({}))
    if summary["inserted"] != summary["total"]:
        raise RuntimeError(f"the push did not insert every record: {summary}")
    return seconds, summary


# --- 1. ImportProcessData: operator vs pre-encoded replay --------------------------------


def process_data_bodies(connection: dict[str, Any], records: list[dict[str, str]]) -> list[bytes]:
    """The operator's requests, encoded as the hook encodes them, ready to post."""
    from airflow_provider_jodo.protocol.wire.customer_web_service import form_field

    bodies = []
    for start in range(0, len(records), BATCH_SIZE):
        request = {
            "Method": "ImportProcessData",
            "apikey": connection["extra"]["apikey"],
            "servicekey": connection["extra"]["servicekey"],
            "Media": 12,
            "Data": records[start : start + BATCH_SIZE],
            "updateparam": "mobilenumber",
            "reqdatetime": "2026-11-23 09:00:00",
        }
        bodies.append(form_field("data", json.dumps(request, ensure_ascii=False, separators=(",", ":"))))
    return bodies


def replay(connection: dict[str, Any], bodies: list[bytes]) -> None:
    """Post pre-encoded bodies one after the other on one kept-alive bare session."""
    from airflow_provider_jodo.protocol.wire.customer_web_service import FORM_CONTENT_TYPE

    url = connection["host"] + PROCESS_DATA_PATH
    with requests.Session() as session:
        session.trust_env = False
        for body in bodies:
            response = session.post(url, data=body, headers={"Content-Type": FORM_CONTENT_TYPE}, timeout=60)
            response.raise_for_status()
            if b'"001"' not in response.content:
                raise RuntimeError(f"the replay was refused: {response.text[:300]}")


def bench_process_data(count: int) -> dict[str, float]:
    records = leads(count)
    seconds: dict[str, list[float]] = {"replay": [], "operator": [], "operator_2": []}
    for _ in range(REPLAY_ROUNDS):
        with sandbox_process() as connection:
            bodies = process_data_bodies(connection, records)
            seconds["replay"].append(timed(lambda: replay(connection, bodies))[0])  # noqa: B023
        for name, max_in_flight in (("operator", 1), ("operator_2", 2)):
            with sandbox_process():
                seconds[name].append(push_process_data(records, None, max_in_flight)[0])
    return {name: count / min(runs) for name, runs in seconds.items()}


# --- 2. importCJI source=data: operator with concurrency vs a naive loop -----------------


def cji_records(count: int) -> list[dict[str, str]]:
    return [{"name": f"Lead {i}", "phone1": f"55{i:011d}"} for i in range(count)]


def push_cji(records: list[dict[str, str]], max_in_flight: int) -> float:
    """Seconds of JodoImportCJIRecordsOperator.execute (the operator built before the clock starts)."""
    from airflow_provider_jodo.operators.cji_records import JodoImportCJIRecordsOperator

    operator = JodoImportCJIRecordsOperator(
        task_id="bench_cji",
        jodo_conn_id=CONN_ID,
        campaign_id=1,
        records=records,
        max_in_flight=max_in_flight,
    )
    with task_log_silenced():
        seconds, summary = timed(lambda: operator.execute({}))
    if summary["inserted"] != len(records):
        raise RuntimeError(f"the import did not insert every record: {summary}")
    return seconds


def naive_cji_loop(connection: dict[str, Any], records: list[dict[str, str]]) -> None:
    """One `requests.get` per record: a new session and a new connection for every call."""
    from airflow_provider_jodo.protocol.wire.cji_parameters import CJI_PARAMETERS, encode_context

    url = connection["host"] + IMPORT_CJI_PATH
    fixed = {
        "orgidentity": connection["schema"],
        "usertype": connection["extra"]["usertype"],
        "user": connection["login"],
        "pwdtype": connection["extra"]["pwdtype"],
        "password": connection["password"],
        "modeltype": "Campaign",
        "model_id": "1",
        "source": "data",
    }
    for record in records:
        values = {**fixed, "context": encode_context(record)}
        params = [("callback", "naive"), *((name, values.get(name, "")) for name in CJI_PARAMETERS)]
        response = requests.get(url, params=params, timeout=30)
        if "code:1" not in response.text:
            raise RuntimeError(f"the naive loop was refused: {response.text[:300]}")


def bench_cji(count: int, latency: float) -> dict[str, float]:
    records = cji_records(count)
    with sandbox_process(latency) as connection:
        naive_seconds, _ = timed(lambda: naive_cji_loop(connection, records))
    with sandbox_process(latency):
        operator_seconds = push_cji(records, CJI_MAX_IN_FLIGHT)
    return {"operator": count / operator_seconds, "naive": count / naive_seconds}


# --- 3. Peak RSS of pushing a CSV file ----------------------------------------------------


def write_csv(path: Path, count: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["name", "mobilenumber", "emailid", "extrafield1"])
        for i in range(count):
            writer.writerow([f"Lead {i}", f"91{i:010d}", f"lead{i}@example.com", f"batch-{i // BATCH_SIZE}"])


def rss_child(csv_path: str, result_path: str, **push_options: Any) -> None:
    """In a fresh process: push the file (`push_options` go to `push_process_data`) and write
    the peak RSS (MB) and time taken."""
    import airflow_provider_jodo.operators.process_data  # noqa: F401  (imported before the clock starts)

    seconds, summary = push_process_data(source_path=csv_path, **push_options)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes
    Path(result_path).write_text(
        json.dumps({"peak_mb": peak_mb, "seconds": seconds, "total": summary["total"]})
    )


def run_fresh_process(command: list[str]) -> None:
    """Run `command` in a fresh process whose peak RSS is its own, failing if it fails.

    Through a small shell that forks: Linux carries the peak RSS of the process that calls exec
    into the new program's ru_maxrss, and this process is big."""
    subprocess.run(["/bin/sh", "-c", '"$0" "$@"; exit $?', *command], check=True)


def bench_rss(counts: tuple[int, ...]) -> dict[int, dict[str, float]]:
    results = {}
    with tempfile.TemporaryDirectory(prefix="jodo-bench-rss-") as directory:
        for count in counts:
            csv_path = Path(directory) / f"leads-{count}.csv"
            result_path = Path(directory) / f"result-{count}.json"
            write_csv(csv_path, count)
            with sandbox_process():
                run_fresh_process([sys.executable, __file__, "--rss-child", str(csv_path), str(result_path)])
            results[count] = json.loads(result_path.read_text())
            csv_path.unlink()
    return results


# --- 4. The check pass over a CSV file against the push --------------------------------


def bench_file_check(count: int) -> dict[str, float]:
    """Seconds of the check pass over a `count`-record CSV file (best of `REPLAY_ROUNDS`) and of
    the ProcessData operator pushing the same file, its own check pass included."""
    from airflow_provider_jodo.loading.lead_files import check_lead_file

    with tempfile.TemporaryDirectory(prefix="jodo-bench-check-") as directory:
        csv_path = Path(directory) / f"leads-{count}.csv"
        write_csv(csv_path, count)
        check_seconds = min(timed(lambda: check_lead_file(str(csv_path)))[0] for _ in range(REPLAY_ROUNDS))
        with sandbox_process():
            push_seconds, _ = push_process_data(source_path=str(csv_path))
    return {"check": check_seconds, "push": push_seconds}


# --- 5. Lead hygiene: phone numbers normalised, against the step off ---------------------


def national_leads(count: int) -> list[dict[str, str]]:
    """ImportProcessData records whose numbers are written as Indian exports often write them."""
    return [
        {"name": f"Lead {i}", "mobilenumber": f"098{i % 10**8:08d}", "emailid": f"lead{i}@example.com"}
        for i in range(count)
    ]


def hygiene_rate(records: list[dict[str, str]], phone_region: str | None) -> float:
    """Records/s of the hygiene step (as the ProcessData operator runs it) over `records`."""
    from airflow_provider_jodo.enums import UpdateKey
    from airflow_provider_jodo.loading.hygiene import InputDuplicates, LeadHygiene, PhoneNormalisation
    from airflow_provider_jodo.loading.lead_rules import check_lead

    normalisation = None
    if phone_region is not None:
        normalisation = PhoneNormalisation.of(phone_region, ["mobilenumber"], with_plus=False)
    hygiene = LeadHygiene(normalisation, None, InputDuplicates("last"))

    def clean_all() -> None:
        for index, record in enumerate(records):
            hygiene.clean(
                index,
                record,
                lambda record: check_lead(record, UpdateKey.MOBILE_NUMBER)[1],
                lambda record: record["mobilenumber"],
            )

    seconds, _ = timed(clean_all)
    if phone_region is not None and hygiene.counts["phone_normalised"] != len(records):
        raise RuntimeError(f"not every number was normalised: {hygiene.counts}")
    return len(records) / seconds


def bench_normalisation(count: int) -> dict[str, float]:
    records = national_leads(count)
    return {"off": hygiene_rate(records, None), "on": hygiene_rate(records, "IN")}


# --- 6. Do-not-call suppression: a 10M-number list ---------------------------------------


def suppression_child(list_path: str, result_path: str) -> None:
    """In a fresh process: read the list, check `SUPPRESSION_CHECKED` records against it, and
    write the list's peak RSS (MB), the seconds it took to read and the records/s checked."""
    from airflow_provider_jodo.loading.hygiene import SuppressionList

    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    read_seconds, suppression = timed(lambda: SuppressionList.read(list_path, None, "IN"))
    list_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before_mb
    fields = frozenset({"mobilenumber"})
    records = [{"mobilenumber": f"9198{i * 7919 % 10**8:08d}"} for i in range(SUPPRESSION_CHECKED)]
    check_seconds, suppressed = timed(lambda: sum(suppression.suppresses(r, fields) for r in records))
    Path(result_path).write_text(
        json.dumps(
            {
                "list_mb": list_mb,
                "read_seconds": read_seconds,
                "rate": len(records) / check_seconds,
                "suppressed": suppressed,
                "numbers": len(suppression),
            }
        )
    )


def bench_suppression(count: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="jodo-bench-dnc-") as directory:
        list_path = Path(directory) / "dnc.txt"
        with list_path.open("w", encoding="utf-8") as handle:
            for i in range(count):  # every other number of the records' range, in E.164
                handle.write(f"+9198{i * 2 % 10**8:08d}\n")
        result_path = Path(directory) / "result.json"
        run_fresh_process([sys.executable, __file__, "--suppression-child", str(list_path), str(result_path)])
        return json.loads(result_path.read_text())


# --- report --------------------------------------------------------------------------------


# --- 7. Unchanged records skipped: a daily run, whole vs skip_unchanged -----------------------


def import_daily_run(records: list[dict[str, str]], state_path: str, skip_unchanged: bool) -> dict[str, Any]:
    """Run JodoImportCJIRecordsOperator with a state; return its seconds and summary."""
    from airflow_provider_jodo.operators.cji_records import JodoImportCJIRecordsOperator

    operator = JodoImportCJIRecordsOperator(
        task_id="bench_daily_run",
        jodo_conn_id=CONN_ID,
        campaign_id=1,
        records=records,
        phone_field="phone1",
        duplicate_way="update",
        max_in_flight=CJI_MAX_IN_FLIGHT,
        skip_unchanged=skip_unchanged,
        state_path=state_path,
    )
    with task_log_silenced():
        seconds, summary = timed(lambda: operator.execute({}))
    return {"seconds": seconds, "calls": summary["total"] - summary["unchanged"], "summary": summary}


def bench_daily_run(count: int) -> dict[str, dict[str, Any]]:
    """Yesterday's whole run (which writes the state), then today's, 1% changed, skipping the rest."""
    yesterday = cji_records(count)
    today = [
        {**record, "name": f"{record['name']} (moved)"} if index % DAILY_RUN_CHANGED_EVERY == 0 else record
        for index, record in enumerate(yesterday)
    ]
    with tempfile.TemporaryDirectory(prefix="jodo-bench-state-") as directory:
        state_path = str(Path(directory) / "campaign-1.state")
        with sandbox_process(DAILY_RUN_LATENCY_SECONDS):
            whole = import_daily_run(yesterday, state_path, skip_unchanged=False)
            skipping = import_daily_run(today, state_path, skip_unchanged=True)
    changed = len(range(0, count, DAILY_RUN_CHANGED_EVERY))
    if whole["calls"] != count or skipping["summary"]["unchanged"] != count - changed:
        raise RuntimeError(f"unexpected counts: {whole['summary']} then {skipping['summary']}")
    return {"whole": whole, "skip_unchanged": skipping}


CASES = (1, 2, 3, 4, 5, 6, 7)
"""The measurements, numbered as in the module docstring and the output."""


def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes: a smoke run, not the figures")
    parser.add_argument(
        "--case",
        type=int,
        action="append",
        choices=CASES,
        help="run only this measurement (1-7, as numbered in the output); repeatable; default: all",
    )
    parser.add_argument("--rss-child", nargs=2, metavar=("CSV", "RESULT"), help=argparse.SUPPRESS)
    parser.add_argument("--suppression-child", nargs=2, metavar=("LIST", "RESULT"), help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.rss_child:
        rss_child(*arguments.rss_child)
        return 0
    if arguments.suppression_child:
        suppression_child(*arguments.suppression_child)
        return 0
    sizes = QUICK if arguments.quick else FULL
    cases = set(arguments.case or CASES)
    started = time.perf_counter()
    print(f"Jodo import benchmark ({os.cpu_count()} CPUs; sandbox in its own process)", flush=True)
    if 1 in cases:
        report_process_data(sizes)
    if 2 in cases:
        report_cji(sizes)
    if 3 in cases:
        report_rss(sizes)
    if 4 in cases:
        report_file_check(sizes)
    if 5 in cases:
        report_normalisation(sizes)
    if 6 in cases:
        report_suppression(sizes)
    if 7 in cases:
        report_daily_run(sizes)
    print(f"\nDone in {time.perf_counter() - started:.0f} s.")
    return 0


def report_process_data(sizes: Sizes) -> None:
    """Measure and print 1: the ProcessData operator against its pre-encoded replay."""
    figures = bench_process_data(sizes.process_data)
    ratio = figures["operator"] / figures["replay"]
    heading = f"{sizes.process_data} records, batches of {BATCH_SIZE}, best of {REPLAY_ROUNDS}"
    print(f"\n1. ImportProcessData, {heading}")
    print(f"   operator (max_in_flight=1):           {figures['operator']:9.0f} records/s")
    print(f"   pre-encoded replay, bare session:     {figures['replay']:9.0f} records/s")
    print(f"   ratio operator/replay: {ratio:.2f} (target >= 0.9) {verdict(ratio >= 0.9)}")
    print(f"   operator (max_in_flight=2):           {figures['operator_2']:9.0f} records/s")
    print(f"   ratio with 2 in flight/replay: {figures['operator_2'] / figures['replay']:.2f}", flush=True)


def report_cji(sizes: Sizes) -> None:
    """Measure and print 2: the importCJI operator against a naive loop, on loopback and with latency."""
    print(f"\n2. importCJI source=data, operator max_in_flight={CJI_MAX_IN_FLIGHT} vs naive loop")
    for label, count, latency in (
        ("loopback, no added latency", sizes.cji, 0.0),
        (
            f"platform latency {SIMULATED_LATENCY_SECONDS * 1000:.0f} ms",
            sizes.cji_with_latency,
            SIMULATED_LATENCY_SECONDS,
        ),
    ):
        figures = bench_cji(count, latency)
        ratio = figures["operator"] / figures["naive"]
        print(f"   {label}, {count} records:")
        print(f"     operator:                           {figures['operator']:9.0f} records/s")
        print(f"     naive loop, new connection per call:{figures['naive']:9.0f} records/s")
        print(f"     ratio operator/naive: {ratio:.1f}x (target >= 5x) {verdict(ratio >= 5)}", flush=True)


def report_rss(sizes: Sizes) -> None:
    """Measure and print 3: the peak RSS of pushing CSV files of growing size."""
    results = bench_rss(sizes.rss)
    print("\n3. Peak RSS of a process pushing a CSV file through the ProcessData operator")
    for count, result in results.items():
        rate = result["total"] / result["seconds"]
        peak, seconds = result["peak_mb"], result["seconds"]
        print(f"   {count:>9} records: {peak:6.1f} MB  ({seconds:.1f} s, {rate:.0f} records/s)")
    smallest, largest = results[sizes.rss[0]]["peak_mb"], results[sizes.rss[-1]]["peak_mb"]
    growth = largest / smallest
    print(
        f"   largest/smallest: {growth:.2f}x (target <= 1.5x) {verdict(growth <= 1.5)}; "
        f"largest under 200 MB: {verdict(largest < 200)}"
    )


def report_file_check(sizes: Sizes) -> None:
    """Measure and print 4: the check pass over a CSV file against the push of that file."""
    figures = bench_file_check(sizes.file_check)
    share = figures["check"] / figures["push"]
    print(f"\n4. Check pass over a {sizes.file_check}-record CSV file before the push (check_lead_file)")
    print(f"   check pass:                           {figures['check']:9.2f} s")
    print(f"   operator push, check included:        {figures['push']:9.2f} s")
    passed = verdict(share <= FILE_CHECK_TARGET)
    print(f"   check/push: {share:.1%} (target <= {FILE_CHECK_TARGET:.0%}) {passed}", flush=True)


def report_normalisation(sizes: Sizes) -> None:
    """Measure and print 5: the hygiene step with phone numbers normalised, against it off."""
    figures = bench_normalisation(sizes.normalisation)
    print(f"\n5. Lead hygiene over {sizes.normalisation} records, numbers without their country code")
    print(f"   step off (checks and duplicates):     {figures['off']:9.0f} records/s")
    print(f"   phone_region='IN':                    {figures['on']:9.0f} records/s")
    passed = verdict(figures["on"] >= NORMALISATION_TARGET)
    print(f"   normalised: target >= {NORMALISATION_TARGET} records/s {passed}", flush=True)


def report_suppression(sizes: Sizes) -> None:
    """Measure and print 6: a do-not-call list's memory and lookup rate."""
    figures = bench_suppression(sizes.suppression_list)
    print(f"\n6. Do-not-call list of {sizes.suppression_list} numbers (E.164), in a fresh process")
    print(
        f"   read in {figures['read_seconds']:.1f} s; "
        f"{figures['suppressed']} of {SUPPRESSION_CHECKED} records suppressed"
    )
    passed = verdict(figures["list_mb"] < SUPPRESSION_MB_TARGET)
    print(f"   list's peak RSS: {figures['list_mb']:6.1f} MB (target < {SUPPRESSION_MB_TARGET} MB) {passed}")
    passed = verdict(figures["rate"] >= SUPPRESSION_RATE_TARGET)
    print(
        f"   checked: {figures['rate']:9.0f} records/s (target >= {SUPPRESSION_RATE_TARGET}) {passed}",
        flush=True,
    )


def report_daily_run(sizes: Sizes) -> None:
    """Measure and print 7: a daily run with 1% changed, whole against skip_unchanged."""
    figures = bench_daily_run(sizes.daily_run)
    latency = DAILY_RUN_LATENCY_SECONDS * 1000
    print(
        f"\n7. Daily run of {sizes.daily_run} records, 1 in {DAILY_RUN_CHANGED_EVERY} changed: importCJI "
        f"records, {CJI_MAX_IN_FLIGHT} in flight, platform latency {latency:.0f} ms"
    )
    for label, run in figures.items():
        print(f"   {label + ':':<36}{run['calls']:9d} calls {run['seconds']:9.1f} s")
    whole, skipping = figures["whole"], figures["skip_unchanged"]
    speedup = whole["seconds"] / skipping["seconds"]
    share = skipping["calls"] / whole["calls"]
    passed = verdict(speedup >= DAILY_RUN_SPEEDUP_TARGET)
    print(f"   whole/skip_unchanged time: {speedup:.1f}x (target >= {DAILY_RUN_SPEEDUP_TARGET}x) {passed}")
    passed = verdict(share <= 1.5 / DAILY_RUN_CHANGED_EVERY)
    print(f"   skip_unchanged calls: {share:.2%} of the whole run's (target about 1%) {passed}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
