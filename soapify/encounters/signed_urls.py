"""Signed, expiring upload URLs served by this app when audio storage is local (the local
equivalent of an S3 presigned PUT).

The token binds the target (an audio chunk or a direct-upload session), the storage key, the
exact size, the content type and the expiry; it is signed with ``SECRET_KEY`` (salted). Anything
changed in it fails the signature (403 ``invalid_signature``); after the expiry it is refused with
403 ``upload_url_expired``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

SALT = "soapify.encounters.upload-url.v1"


class SignatureInvalid(Exception):
    pass


class SignatureExpired(Exception):
    pass


@dataclass(frozen=True)
class UploadGrant:
    target: str  # "chunk" or "session"
    target_id: str
    key: str
    size: int
    content_type: str
    expires: int  # unix seconds


def make_token(grant: UploadGrant) -> str:
    payload = {
        "t": grant.target,
        "i": grant.target_id,
        "k": grant.key,
        "n": grant.size,
        "c": grant.content_type,
        "e": grant.expires,
    }
    return signing.dumps(payload, salt=SALT, compress=True)


def read_token(token: str) -> UploadGrant:
    try:
        payload = signing.loads(token, salt=SALT)
        grant = UploadGrant(
            target=str(payload["t"]),
            target_id=str(payload["i"]),
            key=str(payload["k"]),
            size=int(payload["n"]),
            content_type=str(payload["c"]),
            expires=int(payload["e"]),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise SignatureInvalid from None
    if time.time() > grant.expires:
        raise SignatureExpired
    return grant


def upload_url(grant: UploadGrant) -> str:
    return f"{settings.PUBLIC_BASE_URL}/api/audio/upload/{make_token(grant)}/"
