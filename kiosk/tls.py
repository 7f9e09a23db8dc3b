"""TLS for the lobby LAN: `mpp-kiosk make-cert`, the server's uvicorn options, the windows' client context.

A lobby has no public CA: the server gets a self-signed certificate from
``make-cert`` and each window *pins* it by its SHA-256 fingerprint
(``server.tls_fingerprint``), which is how an SSH client trusts a host key.
A lobby with its own CA sets ``server.tls_ca_file`` instead.

Pinning works for both clients the windows use (httpx and websockets.sync):
both call ``SSLContext.wrap_socket``, which builds ``context.sslsocket_class``
and runs its ``do_handshake``; our socket class checks the peer's certificate
right after the handshake, before one byte of a request is sent.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import os
import re
import ssl
import sys
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

from kiosk.i18n import t

CERT_FILE, KEY_FILE = "server.crt", "server.key"

# The sentences are the catalog's tls.mismatch and tls.untrusted (kiosk/i18n.py).


class TlsError(Exception):
    """A certificate or key the server cannot use; the message is one sentence for the technician."""


class FingerprintMismatch(ssl.SSLCertVerificationError):
    """The server showed a certificate other than the pinned one."""

    def __init__(self, expected: str, actual: str):
        super().__init__(t("tls.mismatch", "en", expected=expected, actual=actual))
        self.expected = expected
        self.actual = actual

    def __str__(self) -> str:
        return self.sentence("en")

    def sentence(self, lang: str = "en") -> str:
        return t("tls.mismatch", lang, expected=self.expected, actual=self.actual)


# ---------------------------------------------------------------------- fingerprints

def fingerprint(der_or_pem: bytes | str) -> str:
    """SHA-256 of a certificate (DER bytes or PEM text) as 'AA:BB:…', the form make-cert prints."""
    data = der_or_pem.encode("ascii") if isinstance(der_or_pem, str) else bytes(der_or_pem)
    if b"-----BEGIN CERTIFICATE-----" in data:
        data = ssl.PEM_cert_to_DER_cert(data.decode("ascii"))
    digest = hashlib.sha256(data).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def normal_fingerprint(text: str) -> str:
    """'aa:bb…', 'AABB…' and 'AA BB …' all become 'AA:BB:…'."""
    digits = re.sub(r"[^0-9a-fA-F]", "", text).upper()
    return ":".join(digits[i:i + 2] for i in range(0, len(digits), 2))


# ---------------------------------------------------------------------- the client side

class _PinnedSocket(ssl.SSLSocket):
    def do_handshake(self, *args, **kwargs):
        super().do_handshake(*args, **kwargs)
        self.context.check_peer(self.getpeercert(binary_form=True))


class _PinnedObject(ssl.SSLObject):
    # the memory-BIO path (TLS through an HTTPS proxy); its handshake raises SSLWantRead until done
    def do_handshake(self):
        super().do_handshake()
        self.context.check_peer(self.getpeercert(binary_form=True))


class PinnedContext(ssl.SSLContext):
    """Accepts exactly the certificate whose SHA-256 is ``expected`` — a self-signed one included."""

    sslsocket_class = _PinnedSocket
    sslobject_class = _PinnedObject

    def __new__(cls, expected: str):
        return super().__new__(cls, ssl.PROTOCOL_TLS_CLIENT)

    def __init__(self, expected: str):
        self.expected_fingerprint = normal_fingerprint(expected)
        # the pin replaces the CA and host name checks: it is stricter than both
        self.check_hostname = False
        self.verify_mode = ssl.CERT_NONE
        self.minimum_version = ssl.TLSVersion.TLSv1_2

    def check_peer(self, der: bytes | None) -> None:
        actual = fingerprint(der) if der else "(none)"
        if actual != self.expected_fingerprint:
            raise FingerprintMismatch(self.expected_fingerprint, actual)


def client_ssl_context(config_or_fields, url: str | None = None) -> ssl.SSLContext | None:
    """The context a window talks to the server with: None for an http:// server; the pinned
    certificate with ``server.tls_fingerprint``; the CA of ``server.tls_ca_file``; else the system's CAs.

    Takes a Config, its ``server`` section, or a dict of those fields; ``url`` (e.g. a window's
    --server) overrides the configured one.
    """
    server = getattr(config_or_fields, "server", config_or_fields)
    get = server.get if isinstance(server, dict) else (lambda name, default=None: getattr(server, name, default))
    if url is None:
        url = get("url") or (server.base_url if hasattr(server, "base_url") else "")
    if not str(url).lower().startswith("https://"):
        return None
    pinned = get("tls_fingerprint") or ""
    if pinned:
        return PinnedContext(pinned)
    ca_file = get("tls_ca_file")
    if ca_file:
        path = config_or_fields.path(ca_file) if hasattr(config_or_fields, "path") else Path(ca_file)
        try:
            return ssl.create_default_context(cafile=str(path))
        except (OSError, ssl.SSLError) as exc:
            raise TlsError(f"server.tls_ca_file: cannot use {path} as a CA file: {exc.strerror or exc}") from None
    return ssl.create_default_context()


def tls_failure(exc: BaseException | None) -> ssl.SSLError | None:
    """The TLS error behind a client exception (httpx and websockets wrap it), or None."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, ssl.SSLError):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def failure_sentence(error: ssl.SSLError, lang: str = "en") -> str:
    """What a window says about a TLS failure, in its language."""
    if isinstance(error, FingerprintMismatch):
        return error.sentence(lang)
    reason = getattr(error, "verify_message", None) or getattr(error, "reason", None) or str(error)
    return t("tls.untrusted", lang, reason=reason)


# ---------------------------------------------------------------------- the server side

def server_ssl_options(config) -> dict:
    """uvicorn's ssl_certfile/ssl_keyfile when ``server.tls_cert``/``tls_key`` are set, else {}.

    Loads the pair once here so a missing, unreadable or mismatched file is one sentence
    (TlsError) at start rather than a traceback from inside uvicorn.
    """
    server = config.server
    if not server.tls_cert and not server.tls_key:
        return {}
    if not (server.tls_cert and server.tls_key):
        raise TlsError("server.tls_cert and server.tls_key go together; set both or neither")
    cert, key = config.path(server.tls_cert), config.path(server.tls_key)
    for name, path in (("server.tls_cert", cert), ("server.tls_key", key)):
        try:
            with open(path, "rb"):
                pass
        except OSError as exc:
            raise TlsError(f"{name}: cannot read {path}: {exc.strerror or exc} "
                           "(make one with `mpp-kiosk make-cert`)") from None
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(str(cert), str(key))
    except (ssl.SSLError, ValueError) as exc:
        raise TlsError(f"server.tls_cert: {cert} and {key} are not a usable PEM certificate and its key "
                       f"({getattr(exc, 'reason', None) or exc})") from None
    return {"ssl_certfile": str(cert), "ssl_keyfile": str(key)}


def served_fingerprint(config) -> str | None:
    """The fingerprint of the certificate the server is configured to serve, or None."""
    if not config.server.tls_cert:
        return None
    return fingerprint(config.path(config.server.tls_cert).read_bytes())


def pin_own_certificate(config):
    """For `mpp-kiosk run`: when config.toml names no fingerprint and no CA, the windows of this
    process pin the certificate this same process serves (read from server.tls_cert)."""
    server = config.server
    if not server.tls_cert or server.tls_fingerprint or server.tls_ca_file:
        return config
    pinned = server.model_copy(update={"tls_fingerprint": served_fingerprint(config)})
    return config.model_copy(update={"server": pinned})


# ---------------------------------------------------------------------- make-cert

def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False


_HOST_NAME = re.compile(r"^(?=.{1,253}$)(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")


def check_names(names: list[str]) -> list[str]:
    """Each name once, in order; a ValueError names the first that is neither a host name nor an IP address."""
    out: list[str] = []
    for raw in names:
        name = raw.strip().strip("[]")
        if not (_is_ip(name) or _HOST_NAME.match(name)):
            raise ValueError(f"--name {raw!r} is neither a host name nor an IP address")
        if name in ("0.0.0.0", "::"):
            raise ValueError(f"--name {raw!r} is a listen-everywhere address, not one a client connects to")
        if name.lower() not in (n.lower() for n in out):
            out.append(name)
    return out


def default_names(raw_config: dict) -> list[str]:
    """server.host (unless it listens everywhere), the hosts of server.url and lobby.public_url, 127.0.0.1, localhost."""
    server = raw_config.get("server") or {}
    lobby = raw_config.get("lobby") or {}
    names = []
    host = str(server.get("host") or "127.0.0.1")
    if host not in ("0.0.0.0", "::", ""):
        names.append(host)
    for url in (server.get("url"), lobby.get("public_url")):
        if isinstance(url, str) and url:
            hostname = urlsplit(url).hostname
            if hostname:
                names.append(hostname)
    return names + ["127.0.0.1", "localhost"]


def make_certificate(names: list[str], days: int, now: dt.datetime) -> tuple[bytes, bytes]:
    """A self-signed EC P-256 certificate for ``names`` (subjectAltName DNS or IP); returns (cert PEM, key PEM)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0]),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mpp-kiosk queue server")])
    alt = [x509.IPAddress(ipaddress.ip_address(n)) if _is_ip(n) else x509.DNSName(n) for n in names]
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        # an hour back: a window whose clock runs a little behind still accepts a fresh certificate
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_encipherment=False, content_commitment=False,
                                     data_encipherment=False, key_agreement=True, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert_pem, key_pem


def _write_private(path: Path, data: bytes) -> None:
    # created 600 from the start: the key is never readable by others, not even for a moment
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # an existing file keeps its old mode through O_CREAT
        os.write(fd, data)
    finally:
        os.close(fd)


def _config_relative(path: Path, config_path: Path) -> str:
    """How config.toml should name ``path``: relative to the config's folder when inside it."""
    base = config_path.resolve().parent
    try:
        return path.resolve().relative_to(base).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def make_cert_main(args, now: dt.datetime | None = None) -> int:
    """`mpp-kiosk make-cert [--config PATH] [--out DIR] [--name HOST ...] [--days N]`."""
    now = now or dt.datetime.now(dt.timezone.utc)
    config_path = Path(args.config)
    # Only three fields are read, and from the raw file: a config that already names the
    # certificate about to be made (so it does not validate yet) must not stop make-cert.
    raw: dict = {}
    try:
        raw = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if not args.name:
            print(f"make-cert: {config_path} not found; give --config, or the server's names with --name",
                  file=sys.stderr)
            return 2
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        print(f"make-cert: cannot read {config_path}: {exc}", file=sys.stderr)
        return 2
    if not 1 <= args.days <= 3650:
        print(f"make-cert: --days must be 1 to 3650, got {args.days}", file=sys.stderr)
        return 2
    try:
        names = check_names(args.name or default_names(raw))
    except ValueError as exc:
        print(f"make-cert: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    cert_path, key_path = out / CERT_FILE, out / KEY_FILE
    old = None
    try:
        out.mkdir(parents=True, exist_ok=True)
        if cert_path.is_file():
            try:
                old = fingerprint(cert_path.read_bytes())
            except (ValueError, OSError):
                old = "(unreadable)"
        cert_pem, key_pem = make_certificate(names, args.days, now)
        _write_private(key_path, key_pem)
        cert_path.write_bytes(cert_pem)
    except OSError as exc:
        print(f"make-cert: cannot write into {out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    new = fingerprint(cert_pem)
    port = (raw.get("server") or {}).get("port", 8600)
    url_host = next((n for n in names if n not in ("127.0.0.1", "localhost", "::1")), names[0])
    url_host = f"[{url_host}]" if ":" in url_host else url_host
    until = (now + dt.timedelta(days=args.days)).date().isoformat()
    print(f"certificate {cert_path} and key {key_path} (mode 600), valid until {until}, for: {', '.join(names)}")
    if old and old != new:
        print(f"replaced the certificate with fingerprint {old}: every window must get the new one")
    print(f"SHA-256 fingerprint: {new}")
    print(f"\nPut these lines in the [server] section of {config_path} on the server and on every window's PC:\n")
    print("[server]")
    print(f'url = "https://{url_host}:{port}"')
    print(f'tls_cert = "{_config_relative(cert_path, config_path)}"')
    print(f'tls_key = "{_config_relative(key_path, config_path)}"')
    print(f'tls_fingerprint = "{new}"')
    print("\nThe key stays on the server only; the windows' PCs need the url and tls_fingerprint lines.")
    return 0
