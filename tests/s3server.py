"""A real S3-compatible HTTP endpoint for tests: moto's server on a free loopback port.

    server = start_s3_server()
    try:
        s3 = server.client()                     # boto3 client pointed at it
        ...                                      # or settings: AWS_S3_ENDPOINT_URL=server.endpoint_url
    finally:
        server.stop()

As a pytest fixture (e.g. in conftest.py)::

    @pytest.fixture(scope="session")
    def s3_server():
        server = start_s3_server()
        yield server
        server.stop()

Notes
- moto keeps its state per process, not per server: every server started in one process sees the
  same buckets. Each call therefore creates a bucket with a unique name.
- moto does not check signatures or the headers bound into a presigned URL (see
  tests/encounters/test_s3server.py): a presigned PUT is accepted with any body length and
  content type. Size, type and checksum must be verified on commit (HEAD the object).
- Nothing leaves the machine: the endpoint is http://127.0.0.1:<port>.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from moto.server import ThreadedMotoServer

__all__ = ["S3Server", "start_s3_server"]


@dataclass
class S3Server:
    endpoint_url: str
    bucket: str
    access_key: str
    secret_key: str
    region: str
    _server: ThreadedMotoServer = field(repr=False)
    _stopped: bool = field(default=False, repr=False)

    def client(self, **config: Any) -> Any:
        """A boto3 S3 client for this server (SigV4, path-style addressing)."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, **config),
        )

    def settings(self) -> dict[str, str]:
        """django-storages style settings pointing at this server."""
        return {
            "AWS_S3_ENDPOINT_URL": self.endpoint_url,
            "AWS_STORAGE_BUCKET_NAME": self.bucket,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_S3_REGION_NAME": self.region,
            "AWS_S3_ADDRESSING_STYLE": "path",
            "AWS_S3_SIGNATURE_VERSION": "s3v4",
        }

    def stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            self._server.stop()


def start_s3_server(
    *, bucket: str | None = None, region: str = "us-east-1", host: str = "127.0.0.1"
) -> S3Server:
    """Start moto's S3 server in a daemon thread on a free port and create one bucket."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log line per request
    server = ThreadedMotoServer(ip_address=host, port=0, verbose=False)
    server.start()
    try:
        bound_host, port = server.get_host_and_port()
        s3 = S3Server(
            endpoint_url=f"http://{bound_host}:{port}",
            bucket=bucket or f"soapify-test-{uuid.uuid4().hex[:12]}",
            access_key="testing",
            secret_key="testing",
            region=region,
            _server=server,
        )
        kwargs: dict[str, Any] = {"Bucket": s3.bucket}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        s3.client().create_bucket(**kwargs)
    except BaseException:
        server.stop()
        raise
    return s3
