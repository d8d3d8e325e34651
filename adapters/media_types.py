"""What a ``Content-Type`` header says the body is: the ONE place that decides (DESIGN.md §7).

RFC 9110 §8.3.1: ``media-type = type "/" subtype *( OWS ";" OWS parameter )``. The type and subtype
are tokens and cannot hold ``;``, so the media type is what comes before the first ``;``, compared
case-insensitively; parameters never change it::

    text/xml;charset="utf-8"                                  -> text/xml
    application/xml; a=application/x-www-form-urlencoded      -> application/xml   (not a form)
    Application/X-WWW-Form-Urlencoded; charset=utf-8          -> application/x-www-form-urlencoded

Whether a body is a form matters for security: OAuth 1.0 covers a form body with the signature
itself and lets it omit ``oauth_body_hash``; any other body must carry the hash. A substring test
on the whole header once let ``application/xml; a=application/x-www-form-urlencoded`` pass an XML
body without a hash. Every check (the OAuth verifier, the endpoints' media-type checks, the signing
client, the recorder's redaction) asks :func:`media_type` or :func:`is_form`.
"""
from __future__ import annotations

FORM = "application/x-www-form-urlencoded"


def media_type(content_type: str | None) -> str:
    """The media type of a ``Content-Type`` value, lower case, without parameters; ``""`` for none."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_form(content_type: str | None) -> bool:
    """True only when the media type itself is ``application/x-www-form-urlencoded``."""
    return media_type(content_type) == FORM
