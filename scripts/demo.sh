#!/usr/bin/env bash
# `make demo`: start the sandbox (the `jodo-sandbox` command, which the Makefile installs from
# sandbox/), run the nightly example DAG against it with `airflow dags test` (the sensor's
# deferral included), then print what landed.
# JODO_SANDBOX_PROFILE=documented runs it against a sandbox that answers only as the vendors
# document (the sandbox reads the variable).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
DEMO="$PWD/.airflow-demo"
rm -rf "$DEMO" && mkdir -p "$DEMO"
export AIRFLOW_HOME="$DEMO/home" AIRFLOW__CORE__LOAD_EXAMPLES=False AIRFLOW__CORE__DAGS_FOLDER="$PWD/example_dags"

"$BIN/jodo-sandbox" --port 0 --db "$DEMO/sandbox.db" \
    --files-dir example_dags/data --connection-file "$DEMO/connection.json" --job-poll-interval 1 \
    > "$DEMO/sandbox.log" 2>&1 &
sandbox_pid=$!
trap 'kill "$sandbox_pid" 2>/dev/null || true; wait "$sandbox_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$DEMO/connection.json" ] && break; sleep 0.1; done
[ -s "$DEMO/connection.json" ] || { echo "the sandbox did not start:"; cat "$DEMO/sandbox.log"; exit 1; }
export AIRFLOW_CONN_JODO_DEFAULT="$(cat "$DEMO/connection.json")"
echo "Sandbox running: $(grep -m1 -o 'http://[0-9.:]*' "$DEMO/sandbox.log") ($(grep -m1 -o 'profile [a-z-]*' "$DEMO/sandbox.log"))"

"$BIN/airflow" db migrate > "$DEMO/db-migrate.log" 2>&1
echo "Running example DAG jodo_nightly_campaign_file with 'airflow dags test' (log: $DEMO/dags-test.log)"
# dags test prints task logs unmasked (an Airflow trait): keep them in the demo folder.
# The job is scheduled 15 s ahead (the DAG's `exetime` param), so that the sensor finds it
# still scheduled and defers to the trigger, as it would in production.
if ! "$BIN/airflow" dags test jodo_nightly_campaign_file --conf '{"exetime": "PT15S"}' \
    > "$DEMO/dags-test.log" 2>&1; then
    tail -40 "$DEMO/dags-test.log"
    exit 1
fi
grep -oE "importCJI source=http into campaign [0-9]+: job [0-9]+ submitted \(exetime '[^']*'\)|Pausing task as DEFERRED[^[]*|import job [0-9]+ [a-z]+[:;] [^[]*|DagRun Finished: dag_id=[a-z_]+|state=[a-z]+, run_type" \
    "$DEMO/dags-test.log" | sed 's/^/  /' || true
if ! grep -q "Pausing task as DEFERRED" "$DEMO/dags-test.log"; then
    echo "the sensor did not defer (see $DEMO/dags-test.log)"
    exit 1
fi
"$BIN/python" scripts/show_landed.py "$DEMO/sandbox.db" 1
