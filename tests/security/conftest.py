"""The security tests drive the WebEx and itslearning endpoints with those suites' fixtures."""
from tests.webex.conftest import demo_store, webex  # noqa: F401
