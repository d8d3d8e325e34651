"""Runtime data that ships inside the package: served WSDLs and XSDs, and the demo data.

Found with :mod:`importlib.resources`, so an installed wheel and a source checkout read the same
files. The WSDL/XSD files live in ``gateway/schemas/``, as package data of ``gateway``; the
repository's top-level ``wsdl/``, where the layout shows them, is a symbolic link to that folder.
(The other way round, the package depended on a link that a checkout without symbolic links, or a
packaging tool that lists the repository's files, does not follow.)
"""
from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

#: The served WSDL and XSD files (``gateway/schemas/``, also reached as ``wsdl/``).
SCHEMAS: Traversable = files("gateway") / "schemas"
#: The demo's QTI 1.2 test and itslearning package files.
DEMO_DATA: Traversable = files("gateway") / "demo" / "data"
