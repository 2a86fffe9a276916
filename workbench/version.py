"""``wb.version``: TF's ``tf.version`` names, for the workbench itself.

``VERSION`` is the workbench's version (``wb.__version__``), not a TensorFlow version: code that
prints or logs ``tf.version.VERSION`` gets what actually runs (``GIT_VERSION`` is ``v`` and it,
``COMPILER_VERSION`` the Python running it). The graph-def versions are TF 2.21's numbers, for
code that compares them.
"""

from __future__ import annotations

from importlib import metadata as _metadata
import platform as _platform

__all__ = ["COMPILER_VERSION", "GIT_VERSION", "GRAPH_DEF_VERSION", "GRAPH_DEF_VERSION_MIN_CONSUMER",
           "GRAPH_DEF_VERSION_MIN_PRODUCER", "VERSION"]


def _installed_version():
    try:
        return _metadata.version("research-workbench")
    except _metadata.PackageNotFoundError:
        return "0.1.0"


VERSION = _installed_version()
GIT_VERSION = "v" + VERSION
COMPILER_VERSION = f"{_platform.python_implementation()} {_platform.python_version()}"
GRAPH_DEF_VERSION = 2474
GRAPH_DEF_VERSION_MIN_CONSUMER = 0
GRAPH_DEF_VERSION_MIN_PRODUCER = 0
