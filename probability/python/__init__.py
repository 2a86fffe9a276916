"""TFP's module paths under ``tensorflow_probability.python`` as aliases of this package's modules:
``probability.python.internal.prefer_static`` is ``probability.internal.prefer_static``, so code that
imports from TFP's own paths runs with only the package's name changed.

>>> from probability.python.internal import prefer_static
>>> import probability.internal.prefer_static as ps
>>> prefer_static is ps
True
"""

import importlib
import importlib.abc
import importlib.util
import sys

_PREFIX = __name__ + "."
_TARGET = __name__.rsplit(".", 1)[0] + "."


class _Aliases(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``probability.python.X`` as the module ``probability.X`` itself (one object)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith(_PREFIX) and importlib.util.find_spec(_TARGET + fullname[len(_PREFIX):]) is not None:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        module = importlib.import_module(_TARGET + spec.name[len(_PREFIX):])
        spec.loader_state = module.__spec__   # the import system sets __spec__ to the alias's
        return module

    def exec_module(self, module):
        # the module ran when it was imported under its own name: give it back its own spec
        module.__spec__ = module.__spec__.loader_state


if not any(isinstance(f, _Aliases) for f in sys.meta_path):
    sys.meta_path.insert(0, _Aliases())   # before the path finder, which would load a second copy


def __getattr__(name):
    try:
        return importlib.import_module(_TARGET + name)
    except ModuleNotFoundError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
