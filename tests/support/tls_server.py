"""An HTTPS server with a self-signed certificate, for what a client that verifies
certificates meets at a test platform nobody signed for. The sandbox speaks plain HTTP; this
server answers every request with 404, which is enough to tell a handshake that passed from
one that failed."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support.file_servers import serving

LOOPBACK = "127.0.0.1"


class _NotFoundHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_error(404)

    do_POST = do_GET

    def log_message(self, format: str, *args: object) -> None:
        """Silent: test output stays readable."""


def _self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """(certificate, key) PEM files for the loopback address, signed by their own key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "self-signed test platform")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(LOOPBACK))]), False)
        .sign(key, hashes.SHA256())
    )
    certificate_file, key_file = directory / "platform.pem", directory / "platform.key"
    certificate_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return certificate_file, key_file


@contextmanager
def self_signed_https_server(directory: Path) -> Iterator[str]:
    """Yield `https://127.0.0.1:PORT` of a server whose certificate (written to `directory`)
    no CA vouches for."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*_self_signed_certificate(directory))
    server = ThreadingHTTPServer((LOOPBACK, 0), _NotFoundHandler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with serving(server, scheme="https") as base_url:
        yield base_url
