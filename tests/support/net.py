"""Socket helpers shared by the loopback fakes (printer, proxy)."""
from __future__ import annotations

import socket


def close_socket(sock: socket.socket) -> None:
    """Shut down, then close, ignoring a socket that is already gone.

    Shutdown first: a listener another thread is select()ing on would otherwise
    keep accepting until that select returns.
    """
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass
