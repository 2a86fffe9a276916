"""The ``workbench`` command line."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys


def _examples():
    from . import examples
    return sorted(m.name for m in pkgutil.iter_modules(examples.__path__) if not m.name.startswith("_"))


def _cmd_examples(args):
    for name in _examples():
        mod = importlib.import_module(f"workbench.examples.{name}")
        first = (mod.__doc__ or "").strip().splitlines()[0] if mod.__doc__ else ""
        print(f"{name:24s} {first}")
    return 0


def _cmd_run(args):
    target = args.script
    if target in _examples():
        mod = importlib.import_module(f"workbench.examples.{target}")
        mod.main()
        return 0
    import runpy
    import os
    if not os.path.exists(target):
        print(f"workbench run: no bundled example or script named {target!r}; "
              f"examples: {', '.join(_examples())}", file=sys.stderr)
        return 2
    runpy.run_path(target, run_name="__main__")
    return 0


def _cmd_devices(args):
    from . import backend
    for d in backend.list_devices():
        print(d)
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="workbench", description="research-workbench command line")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="run a bundled example or a script")
    p.add_argument("script", help="example name (see 'workbench examples') or a path to a script")
    p.set_defaults(fn=_cmd_run)
    sub.add_parser("examples", help="list the bundled examples").set_defaults(fn=_cmd_examples)
    sub.add_parser("devices", help="list the devices this process can use").set_defaults(fn=_cmd_devices)
    args = parser.parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
