"""Airflow assets for what the Jodo operators write: a campaign, or a process.

The URIs name the platform by its host and port (the connection's base URL without scheme,
login or path) and what was written on it:

- `jodo://<host>[:port]/campaign/<id>`: a campaign that importCJI loaded (the campaign's
  numeric id, without leading zeros);
- `jodo://<host>[:port]/process/<digest>`: the process that ImportProcessData loaded. A
  service key is a credential, so the URI carries the first 16 hex digits of its SHA-256, never
  the key; the digest hides a random key, not one that can be guessed.

The operators emit these assets at run time, through the aliases `CAMPAIGN_IMPORTS` and
`PROCESS_IMPORTS` that each puts in its outlets: the campaign id may be a template, and the
host and the service key live in the connection, which DAG parsing should not have to read.
A DAG author schedules on the concrete asset with `jodo_campaign_asset` or
`jodo_process_asset`; `get_provider_info` registers `sanitize_uri` (normalisation and
validation) and `convert_asset_to_openlineage` for the `jodo` scheme.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, urlsplit

from airflow.sdk import Asset, AssetAlias

from airflow_provider_jodo.hooks.connection import JodoConnectionSettings
from airflow_provider_jodo.hooks.jodo import campaign_model_id

if TYPE_CHECKING:
    from airflow.providers.common.compat.openlineage.facet import Dataset

ASSET_SCHEME = "jodo"
CAMPAIGN_IMPORTS = AssetAlias(name="jodo-campaign-imports")
"""The alias through which the importCJI operators and the sensor emit a campaign's asset."""
PROCESS_IMPORTS = AssetAlias(name="jodo-process-imports")
"""The alias through which the ImportProcessData operator emits a process's asset."""
SERVICE_KEY_DIGEST_LENGTH = 16
_PATH = re.compile(rf"/(?:campaign/(?P<campaign>[0-9]+)|process/[0-9a-f]{{{SERVICE_KEY_DIGEST_LENGTH}}})")


def service_key_digest(service_key: str) -> str:
    """Give the short, stable digest that stands for a service key in URIs, logs and events.

    :param service_key: the connection's `servicekey`.
    """
    return hashlib.sha256(service_key.encode("utf-8")).hexdigest()[:SERVICE_KEY_DIGEST_LENGTH]


def platform_authority(base_url: str) -> str:
    """Give `host[:port]` of a platform's base URL: the host lowercase, the port as given, no login.

    :param base_url: the platform's base URL, or `host[:port]`.
    :raises ValueError: the URL names no host, or its port is not a number.
    """
    parts = urlsplit(base_url if "://" in base_url else f"//{base_url}")
    if not parts.hostname:
        raise ValueError(f"{base_url!r} names no host")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return host if parts.port is None else f"{host}:{parts.port}"


def jodo_campaign_asset(
    jodo_conn_id: str | None, campaign_id: int | str, *, host: str | None = None
) -> Asset:
    """Build the asset of campaign `campaign_id` on the platform of a `jodo` connection.

    The connection is read when this is called: in a DAG file, at parse time, so the DAG
    processor must see it (give `host` instead to avoid that).

    :param jodo_conn_id: the `jodo` connection (unused when `host` is given).
    :param campaign_id: the campaign's numeric id.
    :param host: the platform's base URL or `host[:port]`, instead of reading the connection.
    :raises ValueError: `campaign_id` is not numeric, or neither a connection nor a host is given.
    """
    model_id = int(campaign_model_id(campaign_id))
    return Asset(uri=f"{ASSET_SCHEME}://{_authority(jodo_conn_id, host)}/campaign/{model_id}")


def jodo_process_asset(jodo_conn_id: str) -> Asset:
    """Build the asset of the process (service key) of a `jodo` connection, read when this is called.

    :param jodo_conn_id: the `jodo` connection.
    :raises ConnectionSettingError: the connection has no service key.
    """
    settings = JodoConnectionSettings.from_connection_id(jodo_conn_id)
    settings.jodo_credentials()  # raises, naming the connection, when the service key is missing
    digest = service_key_digest(settings.service_key)
    return Asset(uri=f"{ASSET_SCHEME}://{platform_authority(settings.base_url)}/process/{digest}")


def record_import_event(
    context: Mapping[str, Any], alias: AssetAlias, asset: Asset, extra: dict[str, Any]
) -> None:
    """Emit `asset`'s event with `extra` through `alias`, when the task succeeds.

    Airflow registers it only if the task ends in success and has `alias` in its outlets. A
    context without `outlet_events` (a task run outside Airflow's task runner) records nothing.

    :param context: the task's context.
    :param alias: `CAMPAIGN_IMPORTS` or `PROCESS_IMPORTS`.
    :param asset: the campaign's or the process's asset.
    :param extra: the event's extra: counts and ids, never personal data or secrets.
    """
    outlet_events = context.get("outlet_events")
    if outlet_events is not None:
        outlet_events[alias].add(asset, extra=extra)


def import_job_extra(campaign_id: int | str, job: Mapping[str, Any]) -> dict[str, Any]:
    """Give the extra of a campaign's event for a finished import job: ids, state and counts.

    The row errors stay out: their messages may quote the file's personal data.

    :param campaign_id: the campaign the job imported into.
    :param job: the job's final state and counts (`ImportJob.to_dict`).
    """
    counts = {name: job[name] for name in ("total", "inserted", "updated", "skipped", "failed")}
    return {"campaign_id": str(campaign_id), "job_id": str(job["job_id"]), "state": job["state"], **counts}


def sanitize_uri(uri: SplitResult) -> SplitResult:
    """Normalise a `jodo://` URI (Airflow's asset URI handler), refusing one of another form.

    :param uri: the URI, split (Airflow has already dropped a login, a query and a fragment).
    :raises ValueError: naming the URI when it is not `jodo://host[:port]/campaign/<id>` or
        `jodo://host[:port]/process/<digest>`.
    """
    match = _PATH.fullmatch(uri.path)
    if not uri.netloc or match is None:
        raise ValueError(
            f"{uri.geturl()!r} is not a Jodo asset URI: jodo://<host>[:port]/campaign/<id> or "
            f"jodo://<host>[:port]/process/<{SERVICE_KEY_DIGEST_LENGTH} hex digits>"
        )
    path = f"/campaign/{int(match['campaign'])}" if match["campaign"] else uri.path
    return uri._replace(netloc=platform_authority(uri.netloc), path=path)


def convert_asset_to_openlineage(asset: Asset, lineage_context: Any = None) -> Dataset:
    """Give the OpenLineage dataset of a Jodo asset: namespace `jodo://host[:port]`, name its path.

    :param asset: a campaign's or a process's asset.
    :param lineage_context: unused (Airflow's converter signature).
    """
    from airflow.providers.common.compat.openlineage.facet import Dataset

    parts = urlsplit(asset.uri)
    return Dataset(namespace=f"{parts.scheme}://{parts.netloc}", name=parts.path.lstrip("/"))


def _authority(jodo_conn_id: str | None, host: str | None) -> str:
    """Give the platform's `host[:port]`, from `host` when given, else from the connection."""
    if host is not None:
        return platform_authority(host)
    if not jodo_conn_id:
        raise ValueError("give a jodo_conn_id or a host")
    return platform_authority(JodoConnectionSettings.from_connection_id(jodo_conn_id).base_url)
