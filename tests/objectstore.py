"""An S3-compatible object store of the tests' own: moto's server mode in a process of its own, on a
spare loopback port (one per test module), with a fresh bucket per test; and the STORAGES setting
that puts the private storage on it, made by the same function as the deployed settings
(repat/settings/base.py)."""

import contextlib
import http.client
import importlib.util
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from repat.settings.base import s3_storages

REGION = "eu-central-1"
# moto accepts any credentials; these are what the app signs its requests with.
CREDENTIALS = {"REPAT_S3_ACCESS_KEY_ID": "repat-test-key", "REPAT_S3_SECRET_ACCESS_KEY": "repat-test-secret"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ObjectStore:
    """`python -m moto.server` on a spare port; stopped by its handle."""

    def __init__(self, folder: Path):
        self.port = _free_port()
        self.folder = folder
        self.process: subprocess.Popen | None = None
        self.bucket = ""

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environ(self, **extra) -> dict:
        """The environment a deployment sets to use this store."""
        return {
            "REPAT_S3_BUCKET": self.bucket,
            "REPAT_S3_ENDPOINT_URL": self.endpoint,
            "REPAT_S3_REGION": REGION,
            "REPAT_S3_TIMEOUT_SECONDS": "1",
            **CREDENTIALS,
            **extra,
        }

    def storages(self, settings, **extra) -> dict:
        return {**settings.STORAGES, **s3_storages(self.environ(**extra))}

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=CREDENTIALS["REPAT_S3_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["REPAT_S3_SECRET_ACCESS_KEY"],
        )

    def start(self) -> None:
        if importlib.util.find_spec("moto") is None or importlib.util.find_spec("storages") is None:
            if os.environ.get("CI"):
                pytest.fail("moto and django-storages are required in CI (requirements.txt).")
            pytest.skip("The object-store tests need moto and django-storages (pip install -r requirements.txt).")
        self.folder.mkdir(parents=True, exist_ok=True)
        log = self.folder / "moto.log"
        with log.open("w") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail("moto.server exited:\n" + log.read_text()[-3000:])
            if self.anonymous_get("") is not None:
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"moto.server did not answer on port {self.port} within 30 s.")

    def new_bucket(self) -> str:
        self.bucket = f"repat-test-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=self.bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        return self.bucket

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def head(self, key: str) -> dict:
        return self.client().head_object(Bucket=self.bucket, Key=key)

    def keys(self) -> list[str]:
        listing = self.client().list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def anonymous_get(self, key: str) -> int | None:
        """The status of a GET of the object's address with no credentials (a leaked link); None
        when nothing answers."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            connection.request("GET", f"/{self.bucket}/{key}" if self.bucket else "/")
            return connection.getresponse().status
        except OSError:
            return None
        finally:
            connection.close()


@contextlib.contextmanager
def running_object_store(folder: Path):
    store = ObjectStore(folder)
    try:
        store.start()
        yield store
    finally:
        store.stop()
