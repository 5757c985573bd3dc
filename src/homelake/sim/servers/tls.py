"""Self-signed certificates for simulated HTTPS servers (cryptography if importable, else the openssl CLI)."""

from __future__ import annotations

import ipaddress
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path


class TLSUnavailable(RuntimeError):
    """Neither the `cryptography` package nor an `openssl` binary is available to make a certificate."""


def _with_cryptography(cert: Path, key: Path, host: str) -> bool:
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        return False
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    alt: list[x509.GeneralName] = [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
    ]
    try:
        if host != "127.0.0.1":
            alt.append(x509.IPAddress(ipaddress.ip_address(host)))
    except ValueError:
        alt.append(x509.DNSName(host))
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(private, hashes.SHA256())
    )
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return True


def _with_openssl(cert: Path, key: Path, host: str) -> bool:
    openssl = shutil.which("openssl")
    if openssl is None:
        return False
    try:
        ipaddress.ip_address(host)
        extra = f",IP:{host}" if host != "127.0.0.1" else ""
    except ValueError:
        extra = f",DNS:{host}"
    command = [
        openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", str(key), "-out", str(cert), "-days", "30", "-subj", f"/CN={host}",
        "-addext", f"subjectAltName=DNS:localhost,IP:127.0.0.1{extra}",
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, timeout=30)
    return True


def make_self_signed(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """Write `cert.pem` and `key.pem` for `host` (plus localhost/127.0.0.1) into `directory`.

    The certificate is its own CA, so a client can trust exactly it (verify=<cert path>).
    """
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / "cert.pem", directory / "key.pem"
    if _with_cryptography(cert, key, host) or _with_openssl(cert, key, host):
        key.chmod(0o600)
        return cert, key
    raise TLSUnavailable("TLS simulators need the 'cryptography' package or an 'openssl' binary on PATH")


def tls_available() -> bool:
    try:
        import cryptography  # noqa: F401
    except ImportError:
        return shutil.which("openssl") is not None
    return True
