"""A real `causerie serve` process for the job tests: started on a free loopback port with the
test's environment (CAUSERIE_HOME, fake provider and embedder), its output in a log file."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """`python -m causerie serve` on a free loopback port, with its stderr in a file."""

    def __init__(self, home: Path, extra: list[str] | None = None) -> None:
        self.home = home
        self.extra = extra or []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = home / f"serve-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, token: str) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "causerie", "serve", "--port", str(self.port),
                 *self.extra],
                stdout=log, stderr=subprocess.STDOUT, env=os.environ.copy(),
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if httpx.get(f"{self.url}/api/me", headers=bearer(token)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.1)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
