"""The signed PUT this service serves when audio storage is local (the local equivalent of an S3
presigned PUT): the token names a presigned chunk or a direct-upload session."""

from __future__ import annotations

from typing import BinaryIO

from soapify.core.errors import ApiError, Forbidden, PayloadTooLarge
from soapify.encounters.signed_urls import SignatureExpired, SignatureInvalid, read_token
from soapify.encounters.uploads import storage
from soapify.encounters.uploads.direct import direct_put_receive
from soapify.encounters.uploads.presigned import chunk_put_receive


def signed_put_receive(*, token: str, body: BinaryIO, content_type: str, content_length: int | None) -> dict:
    """Accept one PUT of the bytes a signed URL was issued for. Nothing is stored on failure.

    Errors: invalid_signature 403, upload_url_expired 403, content_type_mismatch 403,
    payload_too_large 413, size_mismatch 400, already_uploaded 409, upload_url_superseded 409."""
    try:
        grant = read_token(token)
    except SignatureInvalid:
        raise Forbidden("The upload URL's signature is invalid.", code="invalid_signature") from None
    except SignatureExpired:
        raise Forbidden("The upload URL has expired; ask for a new one.", code="upload_url_expired") from None
    if (content_type or "").strip().lower() != grant.content_type.lower():
        raise Forbidden(
            f"The upload URL was signed for Content-Type {grant.content_type}.", code="content_type_mismatch"
        )
    if content_length is not None and content_length > grant.size:
        raise PayloadTooLarge(f"The upload URL accepts exactly {grant.size} bytes.")
    with storage.temp_file() as tmp:
        try:
            size, digest = storage.copy_stream(body, tmp, limit=grant.size)
        except storage.TooLarge:
            raise PayloadTooLarge(f"The upload URL accepts exactly {grant.size} bytes.") from None
        if size != grant.size:
            raise ApiError(
                f"Received {size} bytes; the upload URL is for exactly {grant.size}.", code="size_mismatch"
            )
        receive = chunk_put_receive if grant.target == "chunk" else direct_put_receive
        return receive(grant=grant, tmp=tmp, size=size, sha256=digest)
