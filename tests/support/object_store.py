"""An S3-compatible object store on loopback for the tests: moto in server mode on a free port,
one bucket per test, and an Airflow `aws` connection to it through `AIRFLOW_CONN_*`.

The provider reaches it as a user's deployment reaches S3: through `ObjectStoragePath` and the
Amazon provider's s3fs filesystem. The tests read and write objects with boto3, never with the
provider's code."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

STORE_CONN_ID = "jodo_test_s3"
ACCESS_KEY_ID = "AKIAJODOTESTKEY4821"
SECRET_ACCESS_KEY = "jodo-test-secret-access-key-7319"
REGION = "us-east-1"
STORE_SECRETS = (SECRET_ACCESS_KEY,)
"""The connection's secret (a dummy that moto accepts), which must never reach a log line. The
access key id is an identifier, not a secret: botocore's DEBUG lines print it in every signed
request (`Credential=AKIA...`), and the Amazon provider masks only the secret key."""
_BUCKET_NUMBERS = itertools.count()


@dataclass(frozen=True)
class ObjectStore:
    """A bucket of the moto server and the Airflow connection that reaches it."""

    endpoint_url: str
    bucket: str
    conn_id: str
    client: Any

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def put(self, key: str, body: str | bytes) -> str:
        """Store `body` under `key`; return the object's URI."""
        self.client.put_object(Bucket=self.bucket, Key=key, Body=body)
        return self.uri(key)

    def text(self, key: str) -> str:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read().decode("utf-8")

    def keys(self, prefix: str = "") -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return [item["Key"] for item in listing.get("Contents", [])]


def store_connection(endpoint_url: str) -> dict[str, Any]:
    """The Airflow `aws` connection to a moto server (as an `AIRFLOW_CONN_*` JSON value)."""
    return {
        "conn_type": "aws",
        "login": ACCESS_KEY_ID,
        "password": SECRET_ACCESS_KEY,
        "extra": {"endpoint_url": endpoint_url, "region_name": REGION},
    }


def store_client(endpoint_url: str) -> Any:
    """A boto3 S3 client of a moto server, with the connection's keys."""
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
        region_name=REGION,
    )


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto server on 127.0.0.1 and a free port, for the whole session; yields its URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def object_store(moto_endpoint: str, request, monkeypatch) -> ObjectStore:
    """A new, empty bucket and connection `STORE_CONN_ID` to it; the connection's keys join the
    secrets that must never reach a log line."""
    request.node.store_secrets = STORE_SECRETS
    monkeypatch.setenv(f"AIRFLOW_CONN_{STORE_CONN_ID.upper()}", json.dumps(store_connection(moto_endpoint)))
    client = store_client(moto_endpoint)
    bucket = f"jodo-leads-{next(_BUCKET_NUMBERS)}"
    client.create_bucket(Bucket=bucket)
    return ObjectStore(moto_endpoint, bucket, STORE_CONN_ID, client)
