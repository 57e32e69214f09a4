"""The moto S3 test harness, and what a presigned PUT does and does not guarantee against it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.s3server import S3Server, start_s3_server

BODY = b"\x1a\x45\xdf\xa3" + b"webm-ish audio bytes " * 50


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    server = start_s3_server()
    yield server
    server.stop()


def presign_put(s3: S3Server, key: str, *, length: int, content_type: str = "audio/webm") -> str:
    return s3.client().generate_presigned_url(
        "put_object",
        Params={"Bucket": s3.bucket, "Key": key, "ContentType": content_type, "ContentLength": length},
        ExpiresIn=300,
    )


def test_server_listens_on_loopback_with_a_fresh_bucket(s3: S3Server) -> None:
    parts = urlsplit(s3.endpoint_url)
    assert parts.hostname == "127.0.0.1" and parts.port
    names = [b["Name"] for b in s3.client().list_buckets()["Buckets"]]
    assert s3.bucket in names


def test_presigned_put_binds_content_type_and_length_into_the_signature(s3: S3Server) -> None:
    url = presign_put(s3, "chunks/a.webm", length=len(BODY))
    signed = parse_qs(urlsplit(url).query)["X-Amz-SignedHeaders"][0].split(";")
    assert {"content-length", "content-type", "host"} <= set(signed)


def test_upload_with_requests_lands_with_its_size_and_type(s3: S3Server) -> None:
    url = presign_put(s3, "chunks/b.webm", length=len(BODY))
    response = requests.put(url, data=BODY, headers={"Content-Type": "audio/webm"}, timeout=10)
    assert response.status_code == 200
    head = s3.client().head_object(Bucket=s3.bucket, Key="chunks/b.webm")
    assert head["ContentLength"] == len(BODY)
    assert head["ContentType"] == "audio/webm"
    body = s3.client().get_object(Bucket=s3.bucket, Key="chunks/b.webm")["Body"].read()
    assert hashlib.sha256(body).digest() == hashlib.sha256(BODY).digest()


def test_moto_does_not_enforce_the_presigned_length_so_commit_must_check_the_size(s3: S3Server) -> None:
    """Real S3 refuses a body whose length differs from the signed Content-Length (403
    SignatureDoesNotMatch); moto 5.0 does not verify presigned signatures at all. The commit step
    must therefore HEAD the object and compare ContentLength (and the checksum) itself. If this
    test starts failing, moto has begun enforcing it: keep the HEAD check anyway."""
    url = presign_put(s3, "chunks/c.webm", length=len(BODY))
    longer = BODY + b"extra"
    response = requests.put(url, data=longer, headers={"Content-Type": "text/plain"}, timeout=10)
    assert response.status_code == 200  # accepted by moto despite the signed length and type
    head = s3.client().head_object(Bucket=s3.bucket, Key="chunks/c.webm")
    assert head["ContentLength"] == len(longer) != len(BODY)  # what a commit-time HEAD catches


def test_two_servers_get_different_ports_and_buckets_and_stop_cleanly() -> None:
    a, b = start_s3_server(), start_s3_server()
    try:
        assert a.endpoint_url != b.endpoint_url
        assert a.bucket != b.bucket
    finally:
        a.stop()
        b.stop()
        a.stop()  # idempotent
    with pytest.raises(requests.ConnectionError):
        requests.get(a.endpoint_url, timeout=2)
