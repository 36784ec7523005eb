"""A SeaweedFS S3 server on 127.0.0.1 for the publish benchmarks: `weed mini` on free ports, in its
own process group and data folder, with one identity and one bucket; stopped whole at the end."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ACCESS_KEY = "bench-access-key"
SECRET_KEY = "bench-secret-key"
BUCKET = "bench"
REGION = "us-east-1"
_GRPC_OFFSET = 10000  # weed's default gRPC port is its HTTP port plus this; some parts assume it


class Seaweed:
    def __init__(self, weed: Path, folder: Path) -> None:
        self.weed, self.folder = weed, folder
        self.process: subprocess.Popen | None = None
        self.s3_port = 0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    def start(self, timeout: float = 90) -> None:
        data = self.folder / "data"
        data.mkdir(parents=True, exist_ok=True)
        identities = self.folder / "s3-identities.json"
        identities.write_text(json.dumps({"identities": [{
            "name": "bench",
            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }]}), encoding="utf-8")
        ports = _free_port_pairs(["master", "volume", "filer", "s3", "admin"])
        self.s3_port = ports["s3"]
        command = [
            str(self.weed), "mini", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-webdav=false", "-admin.ui=false", "-master.telemetry=false",
            "-s3.port.iceberg=0", "-s3.port.lance=0", f"-s3.config={identities}", f"-bucket={BUCKET}",
            *(f"-{name}.port={port}" for name, port in ports.items()),
        ]
        log = (self.folder / "weed.log").open("wb")
        self.process = subprocess.Popen(command, cwd=self.folder, stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"weed mini exited with {self.process.returncode}; see {self.folder / 'weed.log'}")
            if _answers(f"{self.endpoint}/{BUCKET}"):
                return
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"weed mini's S3 port did not answer in {timeout:.0f} s; see {self.folder / 'weed.log'}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def env(self) -> dict[str, str]:
        """What an S3 client of this server needs in its environment (boto3, the aws CLI, rclone)."""
        return {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL": self.endpoint,
            "RCLONE_CONFIG_SEAWEED_TYPE": "s3",
            "RCLONE_CONFIG_SEAWEED_PROVIDER": "SeaweedFS",
            "RCLONE_CONFIG_SEAWEED_ACCESS_KEY_ID": ACCESS_KEY,
            "RCLONE_CONFIG_SEAWEED_SECRET_ACCESS_KEY": SECRET_KEY,
            "RCLONE_CONFIG_SEAWEED_ENDPOINT": self.endpoint,
        }


def _answers(url: str) -> bool:
    """Whether the S3 gateway answers HTTP at all (403 without a signature is an answer)."""
    try:
        urllib.request.urlopen(url, timeout=2).close()
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


def _free_port_pairs(names: list[str]) -> dict[str, int]:
    """An HTTP port for each of weed's servers, each with its gRPC twin (port + 10000) free too."""
    chosen: dict[str, int] = {}
    taken: set[int] = set()
    while len(chosen) < len(names):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        twin = port + _GRPC_OFFSET
        if port in taken or twin in taken or twin > 65535 or not _free(twin):
            continue
        taken |= {port, twin}
        chosen[names[len(chosen)]] = port
    return chosen


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
