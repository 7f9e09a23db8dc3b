"""PIN hashing for staff and the kiosk's exit PIN: scrypt (memory-hard, stdlib)."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable

from kiosk.config import PIN_HASH_RE

# n=2**14, r=8 needs 16 MiB and ~50 ms: slow for guessing, fine for a login.
_N, _R, _P = 2**14, 8, 1


def hash_pin(pin: str, *, salt: bytes | None = None, min_length: int = 4) -> str:
    """A new PIN's hash; ``min_length`` is server.pin_length where a config is known (verify_pin still
    accepts the older, shorter PINs already in config.toml)."""
    if not pin or not pin.isdigit() or not 4 <= len(pin) <= 12:
        raise ValueError("a PIN is 4 to 12 digits")
    if len(pin) < min_length:
        raise ValueError(f"a new PIN has at least {min_length} digits (server.pin_length)")
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, pin_hash: str) -> bool:
    match = PIN_HASH_RE.match(pin_hash or "")
    if not match:
        return False
    n, r, p = (int(x) for x in match.group(1, 2, 3))
    salt, expected = bytes.fromhex(match.group(4)), bytes.fromhex(match.group(5))
    digest = hashlib.scrypt(str(pin).encode(), salt=salt, n=n, r=r, p=p, dklen=32, maxmem=256 * 1024 * 1024)
    return hmac.compare_digest(digest, expected)


def is_weak_pin(pin: str) -> bool:
    """All one digit (000000) or a straight run up or down (123456, 987654, 890123)."""
    if len(set(pin)) == 1:
        return True
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:])}
    return steps in ({1}, {9})


def new_pin(length: int, randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    while True:
        pin = "".join(str(randbelow(10)) for _ in range(length))
        if not is_weak_pin(pin):
            return pin
