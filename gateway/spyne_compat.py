"""Make spyne 2.14 (its last release) import on Python 3.12 and 3.13. Imported by ``gateway``
before any spyne module.

spyne vendors an old ``six`` (``spyne.util.six``) whose meta-path importer for the
``spyne.util.six.moves`` modules has only ``find_module``/``load_module``; Python 3.12 stopped
calling ``find_module``, so ``from spyne.util.six.moves import ...`` fails with "No module named
'spyne.util.six.moves'". six 1.16 fixed it by giving the importer ``find_spec``, ``create_module``
and ``exec_module``; this module adds exactly those three methods (six 1.16's code) to spyne's copy,
the first time anything asks for a ``spyne.util.six.moves`` module. On Python 3.13, which removed
the ``cgi`` module spyne imports, the ``legacy-cgi`` distribution (a dependency on 3.13+ only)
provides it.

Proved by the whole test suite, which ``.ci/run`` runs on 3.11 and 3.13, and by
``tests/test_spyne_compat.py``.
"""
from __future__ import annotations

import importlib.util
import sys

_MOVES = "spyne.util.six.moves"


def _find_spec(self, fullname, path, target=None):
    if fullname in self.known_modules:
        return importlib.util.spec_from_loader(fullname, self)
    return None


def _create_module(self, spec):
    return self.load_module(spec.name)


def _exec_module(self, module):
    pass


class _PatchSixImporter:
    """A meta-path finder that never finds anything: it patches six's importer, then steps aside."""

    @staticmethod
    def find_spec(fullname, path=None, target=None):
        if fullname.startswith(_MOVES):
            for finder in sys.meta_path:
                cls = type(finder)
                if cls.__name__ == "_SixMetaPathImporter" and not hasattr(cls, "find_spec"):
                    cls.find_spec, cls.create_module, cls.exec_module = _find_spec, _create_module, _exec_module
        return None


def install() -> None:
    if sys.version_info >= (3, 12) and not any(isinstance(f, _PatchSixImporter) for f in sys.meta_path):
        sys.meta_path.insert(0, _PatchSixImporter())
