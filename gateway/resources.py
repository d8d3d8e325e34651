"""Runtime data that ships inside the package: served WSDLs and XSDs, and the demo data.

Found with :mod:`importlib.resources`, so an installed wheel and a source checkout read the same
files. The WSDL/XSD files live in the repository's top-level ``wsdl/`` folder, where the layout puts
them; ``gateway/schemas`` is a symbolic link to it, so that they are package data of ``gateway``
(setuptools copies the files through the link into the wheel).
"""
from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

#: The served WSDL and XSD files (``wsdl/`` in the repository).
SCHEMAS: Traversable = files("gateway") / "schemas"
#: The demo's QTI 1.2 test and itslearning package files.
DEMO_DATA: Traversable = files("gateway") / "demo" / "data"
