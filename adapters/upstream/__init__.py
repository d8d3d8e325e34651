"""Clients for real vendor endpoints, and recorded exchanges (DESIGN.md §1, purposes 2 and 3).

- :mod:`samples`  the on-disk format of one recorded exchange (``samples/README.md``)
- :mod:`compare`  the XML-aware diff a replay judges an answer by
- :mod:`redact`   what a recording must never contain
- :mod:`signing`  OAuth 1.0 + body hash over the bytes that go on the wire (requests-oauthlib)
- :mod:`lis`      a zeep client for LIS OMS v1.0; :mod:`lis_records` reads resultRecords back
- :mod:`webex`    a WebEx XML API client
- :mod:`replay`   sends samples to a gateway and compares the answers

Nothing here imports ``gateway``; code that parses untrusted XML takes a ``parse_xml`` callable.
"""
