"""The Authorization header read directly (the common case, `_read_header`) and through oauthlib's
endpoint (every other form) agree: on every header the direct reading accepts, oauthlib's endpoint
accepts it too with the same parameters and the same base string; whatever the direct reading
declines is left to oauthlib, which accepts or names the failure."""
from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from gateway.config import Settings
from gateway.security import oauth
from gateway.security.oauth import OAuthFailure, authorization_header

URL = "http://gateway.test/api/soap/1p0/lis-result"
BODY = b"<x/>"


class _NoStore:
    dialect = "sqlite"


VERIFIER = oauth.OAuthVerifier(Settings.load(environ={}), _NoStore())  # reading only: no store is touched

names = st.sampled_from(["oauth_consumer_key", "oauth_nonce", "oauth_timestamp", "oauth_signature_method",
                         "oauth_version", "oauth_signature", "oauth_body_hash", "realm", "lang", "oauth_token"])
values = st.one_of(st.sampled_from(["", "1.0", "2.0", "HMAC-SHA1", "PLAINTEXT", "49201", "12345", "a b", "%41", "%zz",
                                    str(int(time.time())), "99999999999", "é"]),
                   st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF, blacklist_characters='"\\'), max_size=12))


def _both(header: str, query: str = ""):
    uri = f"{URL}?{query}" if query else URL
    direct = oauth._read_header(header, "POST", uri, query, VERIFIER._validator)
    try:
        long_way = VERIFIER._read_with_oauthlib(header, "POST", uri, "text/xml", BODY, False)
    except OAuthFailure as failure:
        long_way = failure
    return direct, long_way


def test_a_real_client_header_is_read_directly_with_oauthlibs_base_string():
    for method in ("HMAC-SHA1", "HMAC-SHA256"):
        header = authorization_header(URL + "?lang=en", BODY, "49201", "secret", signature_method=method)
        direct, long_way = _both(header, "lang=en")
        assert direct is not None and direct == long_way
        assert oauth._signature_ok(direct, "secret") and not oauth._signature_ok(direct, "secreT")


@hypothesis_settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_changed_header_is_read_the_same_both_ways(data):
    header = authorization_header(URL, BODY, "49201", "secret")
    pairs = [p.strip().split("=", 1) for p in header.removeprefix("OAuth ").split(",")]
    for _ in range(data.draw(st.integers(0, 3))):
        action = data.draw(st.sampled_from(["drop", "set", "add"]))
        if action == "drop" and pairs:
            pairs.pop(data.draw(st.integers(0, len(pairs) - 1)))
        elif action == "set" and pairs:
            index = data.draw(st.integers(0, len(pairs) - 1))
            pairs[index] = [pairs[index][0], f'"{data.draw(values)}"']
        else:
            pairs.append([data.draw(names), f'"{data.draw(values)}"'])
    query = data.draw(st.sampled_from(["", "lang=en", "oauth_nonce=abcdefgh", "a=%zz", "a=1&a=2"]))
    changed = "OAuth " + ", ".join("=".join(p) for p in pairs)
    direct, long_way = _both(changed, query)
    if direct is not None:
        assert direct == long_way, (changed, query)


@given(st.lists(st.tuples(st.text(max_size=8), st.text(max_size=12)), max_size=6))
def test_parameters_are_normalised_and_escaped_as_oauthlib_does(params):
    from oauthlib.oauth1.rfc5849 import signature, utils

    assert oauth._normalize(params) == signature.normalize_parameters(params)
    for name, value in params:
        assert oauth._escape(value) == utils.escape(value)


@hypothesis_settings(max_examples=600, deadline=None)
@given(st.text(st.sampled_from('ab_1 ="\\,%\t'), max_size=40), st.sampled_from(["OAuth ", "oauth ", "OAuth", "Basic "]))
def test_the_header_is_split_into_pairs_as_oauthlib_splits_it(rest, scheme):
    from oauthlib.oauth1.rfc5849 import utils as oauth_utils

    def read(reader):
        try:
            return reader(scheme + rest)
        except ValueError:
            return "malformed"

    assert read(oauth._header_pairs) == read(oauth_utils.parse_authorization_header)
