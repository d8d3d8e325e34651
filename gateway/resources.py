"""Runtime data that ships inside the package: served WSDLs and XSDs, and the demo data.

Found with :mod:`importlib.resources`, so an installed wheel and a source checkout read the same
files. The WSDL/XSD files live in ``gateway/schemas/``, as package data of ``gateway``, and
nowhere else: a top-level ``wsdl/`` link to them was a repository file the wheel could not carry.
"""
from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

#: The served WSDL and XSD files (``gateway/schemas/``).
SCHEMAS: Traversable = files("gateway") / "schemas"
#: The demo's QTI 1.2 test and itslearning package files.
DEMO_DATA: Traversable = files("gateway") / "demo" / "data"
