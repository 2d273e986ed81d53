"""Inputs and reports on object storage: a local path, or any URI `ObjectStoragePath` opens.

A location is a local path (or a `file://` URI), used in place, or a URI such as
`s3://bucket/leads.csv`, `gs://...` or `abfs://...`, opened through Airflow's
`airflow.sdk.ObjectStoragePath` with the Airflow connection given (None: the store's default
connection, or one named in the URI as `s3://conn_id@bucket/...`). The store's filesystem
comes from the provider of that store (e.g. `apache-airflow-providers-amazon[s3fs]`).

`lead_files` reads a lead file twice (the check pass, then the stream) and the report is
written a line at a time, so an object is copied into a temp directory of the worker first,
and a report is written there and uploaded at the end; both move `TRANSFER_BLOCK_BYTES` at a
time, so memory does not grow with the file. A small file that must never be seen half written
(lead hygiene's state) is read and replaced whole (`read_whole`, `replace_whole`). Messages
print a URI without its password.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from airflow.sdk import ObjectStoragePath

from airflow_provider_jodo.exceptions import JodoObjectStorageError
from airflow_provider_jodo.protocol.wire.redaction import Redactor

TRANSFER_BLOCK_BYTES = 8 * 2**20
"""Bytes read from or written to a store at a time (S3 takes no multipart part under 5 MiB)."""
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_UNSAFE_IN_FILE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def is_uri(location: str) -> bool:
    """Return whether `location` is a URI (`scheme://...`) rather than a local path."""
    return _URI.match(location) is not None


def printable_uri(location: str, text: str | None = None) -> str:
    """Return `text` (default: `location`) without the password of a `scheme://user:password@host` URI.

    The password of `location` itself is redacted wherever it stands in `text`: a store's
    error may quote it alone (`ObjectStoragePath` takes the user info of a URI for a connection
    id, and an unknown connection is named in its error).
    """
    password = urlsplit(location).password if is_uri(location) else None
    return Redactor([password or ""]).redact(location if text is None else text)


def file_name_part(text: str) -> str:
    """Return `text` with each run of characters an object store or FTP server may refuse as `_`.

    Run ids hold `:` and `+`; only letters, digits, `.`, `_` and `-` are kept.
    """
    return _UNSAFE_IN_FILE_NAME.sub("_", text)


@contextmanager
def local_source(location: str | None, conn_id: str | None, parameter: str) -> Iterator[str | None]:
    """Yield a local file holding what is at `location` (None: no file input, None is yielded).

    A local path is yielded as it is. An object is copied into a new temp directory, removed on
    exit, under its own name, so that `lead_files` messages name it and its suffix tells JSON
    lines from CSV.

    :param location: a local path or an object-storage URI.
    :param conn_id: the Airflow connection of the store (None: its default).
    :param parameter: the operator parameter `location` came from, for messages.
    :raises JodoObjectStorageError: the object cannot be read, naming `parameter` and the URI.
    """
    target = None if location is None else _storage_path(location, conn_id)
    if not isinstance(target, ObjectStoragePath):
        yield None if target is None else str(target)
        return
    assert location is not None  # a storage path comes from a location
    with tempfile.TemporaryDirectory(prefix="jodo-source-") as directory:
        copy = Path(directory) / (target.name or "source")
        try:
            with target.open("rb", block_size=TRANSFER_BLOCK_BYTES) as remote, copy.open("wb") as local:
                shutil.copyfileobj(remote, local, TRANSFER_BLOCK_BYTES)
        except Exception as error:
            raise _storage_error(parameter, location, "read", error) from None
        yield str(copy)


@contextmanager
def local_target(location: str, conn_id: str | None, parameter: str) -> Iterator[Path]:
    """Yield the local file to write what goes to `location`, uploading it there on exit.

    A local path is yielded as it is, its folders created first: a default report goes to a
    new `<report_base>/<dag>/<run>/` folder, and a shared mount has no store to create it as
    object stores do. For a URI, the file is in a new temp directory, removed
    on exit; it is uploaded if it exists then, also when the body raised (a partial report
    tells what happened), so remove it in the body for nothing to be uploaded. An upload that
    fails after the body raised is added as a note to the body's error, which is raised.

    :param location: a local path or an object-storage URI.
    :param conn_id: the Airflow connection of the store (None: its default).
    :param parameter: the operator parameter `location` came from, for messages.
    :raises JodoObjectStorageError: the folders could not be created, or the upload failed,
        naming `parameter` and the location.
    """
    target = _storage_path(location, conn_id)
    if not isinstance(target, ObjectStoragePath):
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise _storage_error(parameter, location, "written", error) from None
        yield target
        return
    with tempfile.TemporaryDirectory(prefix="jodo-target-") as directory:
        local = Path(directory) / (target.name or "report")
        try:
            yield local
        except BaseException as failure:
            try:
                _upload(local, target, parameter, location)
            except JodoObjectStorageError as error:
                failure.add_note(str(error))
            raise
        _upload(local, target, parameter, location)


def read_whole(location: str, conn_id: str | None, parameter: str) -> bytes | None:
    """Return the whole content of the file or object at `location`, None when there is none.

    :param location: a local path or an object-storage URI.
    :param conn_id: the Airflow connection of the store (None: its default).
    :param parameter: the operator parameter `location` came from, for messages.
    :raises JodoObjectStorageError: it exists but cannot be read, naming `parameter`.
    """
    target = _storage_path(location, conn_id)
    try:
        return target.read_bytes()
    except FileNotFoundError:
        return None
    except Exception as error:
        raise _storage_error(parameter, location, "read", error) from None


def replace_whole(location: str, conn_id: str | None, parameter: str, data: bytes) -> None:
    """Replace the file or object at `location` with `data` so that no reader ever sees part of it.

    Locally, `data` goes to a temp file in the same folder, is flushed to disk (`fsync`) and
    renamed over the old file (`os.replace`, atomic on one file system), and the folder is
    synced; two writers at once each rename a complete file of their own, and the last rename
    wins. An object is written in one whole-object write: an object store shows the old object
    or the new one, never a part (S3 makes a multipart upload visible only once complete).

    :param location: a local path or an object-storage URI.
    :param conn_id: the Airflow connection of the store (None: its default).
    :param parameter: the operator parameter `location` came from, for messages.
    :param data: the whole new content.
    :raises JodoObjectStorageError: it cannot be written, naming `parameter` (the old content stays).
    """
    target = _storage_path(location, conn_id)
    try:
        if isinstance(target, ObjectStoragePath):
            target.write_bytes(data)
        else:
            _replace_local(target, data)
    except Exception as error:
        raise _storage_error(parameter, location, "written", error) from None


def remove_whole(location: str, conn_id: str | None, parameter: str) -> None:
    """Remove the file or object at `location`, if there is one.

    :raises JodoObjectStorageError: it exists but cannot be removed, naming `parameter`.
    """
    target = _storage_path(location, conn_id)
    try:
        target.unlink()
    except FileNotFoundError:
        return
    except Exception as error:
        raise _storage_error(parameter, location, "removed", error) from None


def _replace_local(target: Path, data: bytes) -> None:
    """Write `data` to a temp file beside `target`, sync it and rename it over `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself survives a crash
    finally:
        os.close(folder)


def _upload(local: Path, target: ObjectStoragePath, parameter: str, location: str) -> None:
    """Copy `local` to `target` in blocks, if it exists."""
    if not local.exists():
        return
    try:
        with local.open("rb") as source, target.open("wb", block_size=TRANSFER_BLOCK_BYTES) as remote:
            shutil.copyfileobj(source, remote, TRANSFER_BLOCK_BYTES)
    except Exception as error:
        raise _storage_error(parameter, location, "written", error) from None


def _storage_path(location: str, conn_id: str | None) -> Path | ObjectStoragePath:
    """Return a local location as a `Path` (`file://` URIs included), any other as a storage path."""
    if not is_uri(location):
        return Path(location)
    if urlsplit(location).scheme.lower() == "file":
        return Path(unquote(urlsplit(location).path))
    return ObjectStoragePath(location, conn_id=conn_id)


def _storage_error(parameter: str, location: str, action: str, error: Exception) -> JodoObjectStorageError:
    """Return the error for `location`, naming the parameter and the store's reason.

    The reason is redacted as the URI is, and the original is not chained: a store's error
    may quote a URL with its password.
    """
    reason = printable_uri(location, str(error)) or "no reason given"
    return JodoObjectStorageError(
        f"{parameter}={printable_uri(location)!r} cannot be {action}: {type(error).__name__}: {reason}"
    )
