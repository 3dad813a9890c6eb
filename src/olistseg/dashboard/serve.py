"""Serving the Streamlit app: the command line, and a check that the port is free."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

from olistseg.errors import InputError

#: Addresses that only this machine reaches.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def exposure_warning(host: str, port: int) -> str | None:
    """What a person must know before serving on ``host``: None for this machine only, else
    that the customer data becomes visible to whoever reaches ``host:port``."""
    if host in LOCAL_HOSTS:
        return None
    return (
        f"--host {host}: the dashboard will listen on {host}:{port}, so customer data (orders, "
        "reviews, segments, audiences) becomes visible to anyone on the network who can reach "
        "this machine; it has no login. Keep the default 127.0.0.1 unless that is intended."
    )


def check_port_free(address: str, port: int) -> None:
    """:class:`InputError` when ``address:port`` cannot be bound (in use, or not allowed)."""
    with socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET) as probe:
        try:
            probe.bind((address, port))
        except OSError as exc:
            raise InputError(
                f"--port {port}: cannot serve on {address}:{port} ({exc.strerror}). Another "
                f"program (another dashboard?) holds it: stop it, or pick another port, e.g. "
                f"--port {port + 1}."
            ) from exc


def streamlit_command(app_path: Path, warehouse: Path, address: str, port: int) -> list[str]:
    """``streamlit run`` for the app on ``warehouse``: offline, headless, no usage statistics."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_path),
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--global.developmentMode",
        "false",
        "--client.toolbarMode",
        "viewer",
        "--",
        str(warehouse.resolve()),
    ]
