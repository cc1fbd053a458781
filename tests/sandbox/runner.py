"""Start and stop the sandbox from Python: the run script, tests and benchmark share this."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import seed as _seed  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sandbox:
    """A sandbox server in a child process; ``with Sandbox() as sb:`` stops it on exit."""

    def __init__(self, port: int | None = None, log_path: str | None = None, label: str | None = None):
        self.port = port or free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        # What the server's CPU line (PC_RUNLOG) names; by default the test running when it stops.
        self.label = label
        # CPU seconds of the server already reported elsewhere (a test file's share: log_cpu_share).
        self.reported_cpu = 0.0
        # What tests made in the server once and reuse (keys of a caller, say): forgotten with the server's state.
        self.made: dict = {}
        self.process = None
        self._log = None

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, timeout: float = 60.0) -> None:
        self.reported_cpu = 0.0
        if self.log_path:
            self._log = open(self.log_path, "ab")  # noqa: SIM115 - kept open for the child's lifetime, closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "server.py"), "--port", str(self.port)],
            stdout=self._log or subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"sandbox exited with {self.process.returncode}; see {self.log_path or 'its output'}"
                )
            try:
                self.control("/_sandbox/health", method="GET")
                return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"sandbox did not answer on {self.endpoint} within {timeout}s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self._log_cpu()
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None
        if self._log:
            self._log.close()
            self._log = None

    def cpu_seconds(self) -> float:
        """The server's CPU time (user + system) so far."""
        with open(f"/proc/{self.process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_cpu_share(self, label: str, since: float) -> None:
        """With PC_RUNLOG set, the server's CPU time since ``since`` (a ``cpu_seconds()``) as ``label``'s share."""
        if not os.environ.get("PC_RUNLOG") or self.process is None or self.process.poll() is not None:
            return
        share = self.cpu_seconds() - since
        self.reported_cpu += share
        _runlog({"test": label, "sandbox_cpu": round(share, 2)})

    def _log_cpu(self) -> None:
        """With PC_RUNLOG set (see tests/integration/integration_support.py), the server's CPU time not reported
        as a share yet (for a server shared by test files: its start and imports), for profiling."""
        if not os.environ.get("PC_RUNLOG"):
            return
        label = self.label or os.environ.get("PYTEST_CURRENT_TEST", "")
        _runlog({"test": label, "sandbox_cpu": round(self.cpu_seconds() - self.reported_cpu, 2)})

    def reset(self) -> None:
        """The server as newly started: no AWS resources, account state, faults or calls (POST /_sandbox/reset)."""
        self.control("/_sandbox/reset")
        self.made.clear()

    def control(self, path: str, payload=None, method: str = "POST"):
        return _seed.control(self.endpoint, path, payload, method)

    def seed(self, inventory: str, extra_state: dict | None = None) -> list[dict]:
        return _seed.seed(self.endpoint, inventory, extra_state)

    def calls(self) -> list[dict]:
        return self.control("/_sandbox/calls", method="GET")

    def reset_calls(self) -> None:
        self.control("/_sandbox/calls", method="DELETE")

    def inject_faults(self, **config) -> dict:
        """Throttling, 5xx answers, lost replies and latency from now on (see faults.py); none: faults off."""
        if not config:
            return self.control("/_sandbox/faults", method="DELETE")
        return self.control("/_sandbox/faults", config)

    def faults(self) -> dict:
        """The fault configuration and what was injected so far."""
        return self.control("/_sandbox/faults", method="GET")

    def env(self) -> dict:
        """Environment that sends boto3 (and so every module) to this sandbox."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            AWS_ENDPOINT_URL=self.endpoint,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        )
        return env


def _runlog(line: dict) -> None:
    with open(os.environ["PC_RUNLOG"], "a") as handle:
        handle.write(json.dumps(line) + "\n")


def dump(payload) -> str:
    return json.dumps(payload, indent=2, default=str)
