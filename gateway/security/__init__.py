"""Authentication for every protocol: OAuth 1.0 + body hash, WS-Security, WebEx credentials."""
