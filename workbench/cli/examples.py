"""``workbench examples``: the bundled examples, one line each."""

import importlib

from .targets import _examples


def _cmd_examples(args):
    for name in _examples():
        mod = importlib.import_module(f"workbench.examples.{name}")
        first = (mod.__doc__ or "").strip().splitlines()[0] if mod.__doc__ else ""
        print(f"{name:20s} {first}")
    print("\nrun one with: workbench run NAME [-p key=value ...]")
    return 0
