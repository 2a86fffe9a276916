"""Bijectors with TFP's API (``tfb = probability.bijectors``): invertible maps with
log-determinant Jacobians, for transformed distributions and normalizing flows.

One bijector per module; every module's ``__all__`` is exported here.

>>> tfb = probability.bijectors
>>> tfb.Exp()(tfd.Normal(0.0, 1.0))          # a log-normal
>>> tfb.Chain([tfb.Shift(1.0), tfb.Scale(2.0)]).forward(x)   # 2 x + 1
"""

import importlib as _importlib
import pkgutil as _pkgutil

from .bijector import Bijector

__all__ = ["Bijector"]


def _load_bijectors():
    for info in sorted(_pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name == "bijector":
            continue
        module = _importlib.import_module(f"{__name__}.{info.name}")
        for name in getattr(module, "__all__", ()):
            globals()[name] = getattr(module, name)
            __all__.append(name)


_load_bijectors()

# TFP's base of the bijectors that are CompositeTensors; here every Bijector passes through
# wb.function as an argument, so the name is the base class itself
AutoCompositeTensorBijector = Bijector
__all__.append("AutoCompositeTensorBijector")


def __getattr__(name):
    # AutoregressiveNetwork is a Keras layer, made on first use so that importing the bijectors
    # does not load Keras
    if name == "AutoregressiveNetwork":
        from .masked_autoregressive import autoregressive_network_class  # lazy: see the comment above
        globals()[name] = autoregressive_network_class()
        return globals()[name]
    if name in ("GlowDefaultNetwork", "GlowDefaultExitNetwork"):
        from . import glow  # Keras models too, made on first use
        globals()[name] = getattr(glow, name)
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__.extend(["AutoregressiveNetwork", "GlowDefaultNetwork", "GlowDefaultExitNetwork"])
