"""``workbench devices``: the CPU and the GPUs this process can use."""

from .. import backend


def _cmd_devices(args):
    for d in backend.list_devices():
        print(d)
    return 0
