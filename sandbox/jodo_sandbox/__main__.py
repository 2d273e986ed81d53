"""Command line: run the sandbox until SIGINT/SIGTERM.

    jodo-sandbox [--port 8765] [--connection-file conn.json]    # or: python -m jodo_sandbox ...
    export AIRFLOW_CONN_JODO_DEFAULT="$(cat conn.json)"

It prints the base URL and the seeded credentials: this is a local sandbox, and a user needs
them to point a DAG or curl at it. Secrets are random per run unless given as flags.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence

from airflow_provider_jodo.enums import UserType
from jodo_sandbox.campaign_form import describe_campaign_form
from jodo_sandbox.faults import Fault, FaultPlan, parse_fault_rate
from jodo_sandbox.process_data_api import DEFAULT_MAX_RECORDS_PER_REQUEST
from jodo_sandbox.profile import SandboxProfile
from jodo_sandbox.sandbox import JodoSandbox
from jodo_sandbox.seed import SandboxSeed

DEFAULT_PORT = 8765


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command-line options; secrets left out are generated."""
    parser = argparse.ArgumentParser(
        prog="jodo-sandbox",
        description="Local sandbox of the Jodo ImportProcessData and astercc importCJI APIs.",
    )
    _add_platform_options(parser)
    _add_connection_options(parser)
    _add_fault_options(parser)
    return parser.parse_args(argv)


def _add_platform_options(parser: argparse.ArgumentParser) -> None:
    """Add the options of how the sandbox listens, stores, times and answers."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="port, 0 for any free one (default: %(default)s)"
    )
    parser.add_argument("--db", metavar="PATH", help="SQLite file to keep state in (default: in memory)")
    parser.add_argument(
        "--max-records",
        type=int,
        default=DEFAULT_MAX_RECORDS_PER_REQUEST,
        help="ImportProcessData records per request (default: %(default)s)",
    )
    parser.add_argument("--timezone", default="UTC", help="the platform's time zone (default: %(default)s)")
    parser.add_argument(
        "--job-poll-interval",
        type=float,
        default=0.2,
        help="seconds between looks for due import jobs (default: %(default)s)",
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        help="seconds to hold every answer back, as a platform across a network would (default: 0)",
    )
    parser.add_argument(
        "--profile",
        choices=[profile.value for profile in SandboxProfile],
        default=os.environ.get("JODO_SANDBOX_PROFILE") or SandboxProfile.FULL.value,
        help="answer with our extensions (full), or only as the vendors document (documented, "
        "documented-no-status); default: $JODO_SANDBOX_PROFILE or %(default)s",
    )
    parser.add_argument(
        "--files-dir", metavar="DIR", help="serve the CSV files in DIR at /files/<name> (for http imports)"
    )


def _add_connection_options(parser: argparse.ArgumentParser) -> None:
    """Add the options of the written Airflow connection and of the seeded secrets."""
    parser.add_argument("--connection-file", metavar="PATH", help="write the Airflow connection as JSON here")
    parser.add_argument(
        "--usertype",
        choices=[member.value for member in UserType],
        default=UserType.ACCOUNT.value,
        help="astercc login of the written connection (default: %(default)s)",
    )
    parser.add_argument("--apikey", help="Jodo API key of the demo organisation (default: random)")
    parser.add_argument("--password", help="astercc account password (default: random)")
    parser.add_argument("--agent-password", help="astercc agent password (default: random)")


def _add_fault_options(parser: argparse.ArgumentParser) -> None:
    """Add the options of the faults injected into API requests (see `faults.py`)."""
    faults = parser.add_argument_group("fault injection (API paths only)")
    faults.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="KIND=RATE",
        help="inject a fault into this share of API requests; KIND is one of "
        f"{', '.join(fault.value for fault in Fault)} (repeatable, e.g. --fault 5xx=0.1 --fault lost=0.02)",
    )
    faults.add_argument("--fault-seed", type=int, help="seed of the fault draws, to repeat a run")
    faults.add_argument("--retry-after", type=float, default=1.0, help="seconds announced by a 429")
    faults.add_argument("--slow-seconds", type=float, default=2.0, help="how long a slow answer takes")
    faults.add_argument(
        "--trickle-seconds", type=float, default=1.0, help="pause between the bytes of a trickled answer"
    )


def build_fault_plan(arguments: argparse.Namespace) -> FaultPlan:
    """Return the fault plan of the command line; ValueError names a bad --fault."""
    rates = dict(parse_fault_rate(text) for text in arguments.fault)
    return FaultPlan(
        rates, arguments.fault_seed, arguments.retry_after, arguments.slow_seconds, arguments.trickle_seconds
    )


def build_seed(arguments: argparse.Namespace) -> SandboxSeed:
    """Return the seed with the secrets given on the command line; the others stay random."""
    given = {
        "apikey": arguments.apikey,
        "account_password": arguments.password,
        "agent_password": arguments.agent_password,
    }
    return SandboxSeed(**{name: value for name, value in given.items() if value is not None})


def describe(sandbox: JodoSandbox) -> str:
    """Describe what a user needs to call the sandbox, secrets included."""
    seed = sandbox.seed
    main_campaigns = ", ".join(str(campaign_id) for campaign_id in seed.main_table_campaign_ids)
    return "\n".join(
        [
            f"Jodo sandbox listening on {sandbox.base_url} (platform time zone {sandbox.clock.timezone}, "
            f"profile {sandbox.profile.value})",
            "Jodo ImportProcessData / getProcessData:",
            f"  apikey:          {seed.apikey}",
            f"  servicekey:      {seed.servicekey}",
            f"  userlogin:       {seed.jodo_userlogin}",
            f"  other org:       apikey {seed.other_apikey}, servicekey {seed.other_servicekey}",
            "astercc importCJI / importStatusCJI:",
            f"  orgidentity:     {seed.orgidentity}",
            f"  account:         {seed.account_user} / {seed.account_password}",
            f"  agent:           {seed.agent_number} / {seed.agent_password}",
            f"  disabled agent:  {seed.disabled_agent_number} / {seed.disabled_agent_password}",
            f"  campaigns:       {seed.own_table_campaign_id} (own customer table), "
            f"{main_campaigns} (the organisation's main customer table, shared: a phone number "
            "imported into one of them is a duplicate in all, and counts as skipped by default)",
            f"  campaign form:   {describe_campaign_form()}",
        ]
    )


def write_connection_file(path: str, connection: dict[str, object]) -> None:
    """Write the connection JSON readable by the owner only: it holds the secrets."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(connection, file, indent=2)
        file.write("\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until SIGINT or SIGTERM; returns the exit status."""
    arguments = parse_arguments(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stopping = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stopping.set())
    try:
        sandbox = JodoSandbox(
            db_path=arguments.db,
            host=arguments.host,
            port=arguments.port,
            max_records_per_request=arguments.max_records,
            job_poll_interval=arguments.job_poll_interval,
            timezone=arguments.timezone,
            seed=build_seed(arguments),
            files_dir=arguments.files_dir,
            faults=build_fault_plan(arguments),
            latency=arguments.latency,
            profile=arguments.profile,
        )
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    with sandbox:
        if arguments.connection_file:
            write_connection_file(arguments.connection_file, sandbox.connection_dict(arguments.usertype))
        print(describe(sandbox))
        if arguments.connection_file:
            print(f"Airflow connection written to {arguments.connection_file}")
            print(f'  export AIRFLOW_CONN_JODO_DEFAULT="$(cat {arguments.connection_file})"')
        print("Press Ctrl+C to stop.", flush=True)
        stopping.wait()
    print("Jodo sandbox stopped.", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
