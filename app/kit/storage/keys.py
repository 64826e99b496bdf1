"""Object keys: the one validation rule and the content-addressed layout.

A key is 1-512 characters of ``[A-Za-z0-9._/-]``, made of non-empty ``/``-separated segments,
with no ``..`` anywhere, no ``.`` segment and no segment over 255 characters (the filesystem
limit on a file name). The same rule serves both backends, so a key that
works on local disk works on S3 and cannot escape the local root.

Content-addressed keys are ``sha256/<ab>/<cd>/<64 hex>``: the two fan-out levels keep local
directories small, and the full digest in the name makes the key self-verifying.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from app.errors import InvalidInput

MAX_KEY_LENGTH = 512
MAX_SEGMENT_LENGTH = 255
CONTENT_PREFIX = "sha256/"

_ALLOWED = re.compile(r"[A-Za-z0-9._/-]+")
# Printable ASCII, as an HTTP header value must be; 255 is generous for any real media type.
_CONTENT_TYPE = re.compile(r"[\x21-\x7e][\x20-\x7e]{0,254}")
_CONTENT_KEY = re.compile(r"sha256/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})")


def validate_key(key: str) -> str:
    """Return ``key`` unchanged if it is a valid object key, else raise ``InvalidInput``."""
    problem = _key_problem(key)
    if problem is not None:
        raise InvalidInput(f"Invalid object key {key[:80]!r}: {problem}")
    return key


def _key_problem(key: str) -> str | None:
    if _CONTENT_KEY.fullmatch(key):  # the common case (every image), valid by its shape
        return None
    if not key:
        return "it is empty"
    if len(key) > MAX_KEY_LENGTH:
        return f"it is {len(key)} characters long; the limit is {MAX_KEY_LENGTH}"
    if "\x00" in key:
        return "it contains a NUL character"
    if not _ALLOWED.fullmatch(key):
        return "use only letters, digits and . _ / -"
    if key.startswith("/"):
        return "it must not start with '/'"
    if ".." in key:
        return "it must not contain '..'"
    if any(segment in ("", ".") for segment in key.split("/")):
        return "it must not contain empty or '.' path segments (no '//', no trailing '/')"
    if any(len(segment) > MAX_SEGMENT_LENGTH for segment in key.split("/")):
        return f"each '/'-separated part may have at most {MAX_SEGMENT_LENGTH} characters"
    return None


def content_key(sha256_hex: str) -> str:
    """The content-addressed key of bytes whose SHA-256 hex digest is ``sha256_hex``."""
    return f"{CONTENT_PREFIX}{sha256_hex[:2]}/{sha256_hex[2:4]}/{sha256_hex}"


def is_content_key(key: str) -> bool:
    """True for any key in the content-addressed namespace (well-formed or not)."""
    return key.startswith(CONTENT_PREFIX)


def digest_of_content_key(key: str) -> str:
    """The SHA-256 a ``sha256/...`` key promises, or ``InvalidInput`` if it is malformed."""
    match = _CONTENT_KEY.fullmatch(key)
    if match is None or match[1] != match[3][:2] or match[2] != match[3][2:4]:
        raise InvalidInput(
            f"Invalid object key {key[:80]!r}: keys under sha256/ must be "
            "sha256/<ab>/<cd>/<64 lowercase hex digits> where ab and cd start the digest"
        )
    return match[3]


def validate_content_type(content_type: str) -> str:
    """Return ``content_type`` if it can be stored and sent back as a header."""
    if not _CONTENT_TYPE.fullmatch(content_type):
        raise InvalidInput(
            f"Invalid content type {content_type[:80]!r}: use a media type such as image/png"
        )
    return content_type


def content_disposition(filename: str) -> str:
    """An ``attachment`` header value for ``filename`` (validated), safe for any Unicode name.

    Old clients read the ASCII fallback; RFC 6266 clients read ``filename*``."""
    if (
        not filename
        or len(filename) > 255
        or any(c in filename for c in '/\\"')
        or any(ord(c) < 0x20 or ord(c) == 0x7F for c in filename)
    ):
        raise InvalidInput(
            f"Invalid download file name {filename[:80]!r}: use 1-255 characters without"
            " control characters, slashes or quotes"
        )
    fallback = "".join(c if 0x20 <= ord(c) < 0x7F else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
