"""``lms-gateway proxy``: the gateway between a client and the real vendor (DESIGN.md purpose 3).

Each request to one of the gateway's endpoint paths is

1. checked as the gateway itself would check it (body cap; OAuth 1.0 for LIS and LTI, so that the
   caller's account is known; for WebEx, when the upstream's credentials are substituted, the
   caller's own securityContext: :mod:`gateway.proxy.callers`),
2. forwarded to the same path under ``--upstream``, re-signed with the upstream's own credentials
   (:mod:`gateway.proxy.forward`),
3. answered with the upstream's answer, byte for byte (a WSDL fetched with ``?wsdl`` gets the
   proxy's address, so that clients built from it stay on the proxy); a timeout or an upstream error becomes the
   protocol's own failure answer (:mod:`gateway.proxy.failures`),
4. recorded as a sample with its secrets redacted (:mod:`gateway.proxy.record`), and
5. mined for LIS results, which go into the store under the caller's account
   (:mod:`gateway.proxy.harvest`), so that any endpoint can serve them afterwards.
"""
from __future__ import annotations

from gateway.proxy.app import PATHS, ProxyConfig, create_proxy_app

__all__ = ["PATHS", "ProxyConfig", "create_proxy_app"]
