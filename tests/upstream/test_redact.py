"""What a recording may not contain."""
from __future__ import annotations

from adapters.upstream import redact
from gateway import xmlsafe

WEBEX = (b'<?xml version="1.0" encoding="UTF-8"?>\n<serv:message xmlns:serv="http://www.webex.com/schemas/2002/06/service">'
         b"<header><securityContext><webExID>hostid</webExID><password>hunter2-long</password>"
         b"<sessionTicket><![CDATA[ticket-abc-123]]></sessionTicket></securityContext></header></serv:message>")
WSSE = (b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:o="urn:wsse"><s:Header><o:Security>'
        b'<o:UsernameToken><o:Username>u</o:Username><o:Password Type="#PasswordText">pw-9876</o:Password>'
        b"</o:UsernameToken></o:Security></s:Header></s:Envelope>")


def test_credential_elements_are_blanked_in_place():
    out, removed = redact.xml_body(WEBEX, xmlsafe.parse)
    assert b"hunter2-long" not in out and b"ticket-abc-123" not in out
    assert b"<password>REDACTED</password>" in out and b"<sessionTicket>REDACTED</sessionTicket>" in out
    assert out.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<serv:message')  # the rest byte-exact
    assert b"<webExID>hostid</webExID>" in out
    assert sorted(removed) == ["element password", "element sessionTicket"]
    out, removed = redact.xml_body(WSSE, xmlsafe.parse)
    assert b'<o:Password Type="#PasswordText">REDACTED</o:Password>' in out and removed == ["element Password"]


def test_headers_query_form_and_named_secrets():
    kept, removed = redact.headers({"Authorization": "OAuth oauth_signature=x", "Content-Type": "text/xml", "Cookie": "s=1"})
    assert kept == {"Content-Type": "text/xml"} and len(removed) == 2
    path, removed = redact.query("/lti/outcomes?oauth_signature=abc%3D&lang=en")
    assert "abc" not in path and "lang=en" in path and removed
    body, removed = redact.form_body(b"oauth_consumer_key=k&oauth_signature=abc%3D")
    assert b"abc" not in body and b"oauth_consumer_key=k" in body
    data, removed = redact.known_secrets(b"<x>the-upstream-secret</x><y>secret</y>", ["the-upstream-secret", "secret"])
    assert data == b"<x>REDACTED</x><y>secret</y>"  # short words are left alone: they are not secrets worth the damage


def test_not_xml_is_left_as_is():
    assert redact.xml_body(b"not xml <password>", xmlsafe.parse) == (b"not xml <password>", [])


def test_a_credential_the_expression_cannot_blank_is_found_by_the_parse():
    # a comment inside the value, a credential name outside any credential element, and matches
    # inside comments that would make the names add up: each sends the body through the parse
    for body in (b"<m><password>hunt<!-- c -->er2-long</password></m>",
                 b"<m><note>password</note><password>hunt<!---->er2-long</password></m>",
                 b"<m><!-- <password>a</ --><!-- <password>b</ --><password>hunt<!---->er2-long</password></m>"):
        out, removed = redact.xml_body(body, xmlsafe.parse)
        assert b"hunt" not in out and b"er2-long" not in out, out
        assert "element password" in removed


def test_blanked_in_place_without_a_parse_when_every_credential_name_is_accounted_for():
    def no_parse(data):
        raise AssertionError("parsed")
    out, removed = redact.xml_body(WEBEX, no_parse)
    assert b"hunter2-long" not in out and b"ticket-abc-123" not in out and len(removed) == 2
    out, removed = redact.xml_body(b"<m><password>hostpassword</password></m>", no_parse)  # a value with the name in it
    assert out == b"<m><password>REDACTED</password></m>"
