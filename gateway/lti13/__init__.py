"""LTI 1.3 platform (DESIGN.md §14): token endpoint, JWKS, and AGS 2.0 under ``/lti13/{account}/``."""
