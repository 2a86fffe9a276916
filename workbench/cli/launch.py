"""``workbench run SCRIPT --nproc N [--hosts ...]``: the same command on N processes of one MPI
job (the ``distributed`` extra's ``mpiexec``), and a clear error naming the rank that failed."""

import collections
import os
import re
import subprocess
import sys
import tempfile
import threading

from ..distribute.launch import mpiexec_command
from .common import CLIError
from .processes import _stop_process_group

LAUNCH_DIR_ENV = "WORKBENCH_LAUNCH_DIR"   # where each rank notes its pid, to name a failed rank
_LAUNCH_OPTIONS = {"--nproc": True, "--hosts": True, "--hostfile": True}
# Hydra's report of the first process that ended badly
_BAD = re.compile(r"PID (\d+) RUNNING AT (\S+)\s*\n=*\s*EXIT CODE: (\d+)")


def wants_launch(args) -> bool:
    """Whether ``args`` ask for an MPI job (and this process is not already one of its ranks)."""
    if os.environ.get(LAUNCH_DIR_ENV) is not None:
        return False
    return bool((args.nproc or 1) > 1 or args.hosts or args.hostfile)


def note_rank():
    """In a rank started by :func:`launch`: leave ``rank-R.pid`` (pid and host) for the launcher."""
    where = os.environ.get(LAUNCH_DIR_ENV)
    rank = os.environ.get("PMI_RANK") or os.environ.get("OMPI_COMM_WORLD_RANK")
    if not where or rank is None or not os.path.isdir(where):
        return
    try:
        with open(os.path.join(where, f"rank-{int(rank)}.pid"), "w") as f:
            f.write(f"{os.getpid()} {os.uname().nodename}\n")
    except (OSError, ValueError):
        pass


def _strip_launch_options(argv):
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
            continue
        name = arg.split("=", 1)[0]
        if name in _LAUNCH_OPTIONS:
            skip = "=" not in arg
            continue
        out.append(arg)
    return out


def _tee(stream, sink, tail):
    for line in iter(stream.readline, ""):
        sink.write(line)
        sink.flush()
        tail.append(line)
    stream.close()


def launch(args) -> int:
    """Run this ``workbench run`` command as ``mpiexec -n N python -m workbench.cli run ...``."""
    if args.nproc is not None and args.nproc < 1:
        raise CLIError(f"--nproc must be a positive integer, got {args.nproc}")
    nproc = args.nproc or 1
    argv = _strip_launch_options(args.argv)
    with tempfile.TemporaryDirectory(prefix="workbench-launch-") as where:
        try:
            cmd = mpiexec_command(nproc, [sys.executable, "-m", "workbench.cli", *argv],
                                  hosts=args.hosts, hostfile=args.hostfile)
        except (FileNotFoundError, ValueError) as exc:
            raise CLIError(str(exc)) from None
        print(f"workbench: {nproc} processes: {' '.join(cmd)}", flush=True)
        proc = subprocess.Popen(cmd, env={**os.environ, LAUNCH_DIR_ENV: where}, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, bufsize=1, start_new_session=True)
        tail = collections.deque(maxlen=400)
        threads = [threading.Thread(target=_tee, args=(proc.stdout, sys.stdout, tail), daemon=True),
                   threading.Thread(target=_tee, args=(proc.stderr, sys.stderr, tail), daemon=True)]
        for t in threads:
            t.start()
        try:
            code = proc.wait()
        except BaseException:
            _stop_process_group(proc, grace=5.0)
            raise
        for t in threads:
            t.join(timeout=5.0)
        if code == 0:
            return 0
        raise CLIError(_failure(code, "".join(tail), _ranks(where), nproc), code=code)


def _ranks(where) -> dict:
    """``{pid: (rank, host)}`` from the ranks' notes."""
    out = {}
    for name in os.listdir(where):
        m = re.fullmatch(r"rank-(\d+)\.pid", name)
        if m:
            try:
                pid, host = open(os.path.join(where, name)).read().split()
                out[int(pid)] = (int(m.group(1)), host)
            except (OSError, ValueError):
                continue
    return out


def _failure(code, output, ranks, nproc) -> str:
    m = _BAD.search(output)
    if not m:
        return f"the job of {nproc} processes failed (mpiexec exit status {code}); see the output above"
    pid, host, status = int(m.group(1)), m.group(2), int(m.group(3))
    rank, _ = ranks.get(pid, ("?", host))
    how = f"was killed by signal {status - 128 if status > 128 else status}" if status in (9, 15) or status > 128 \
        else f"exited with status {status}"
    who = f"rank {rank} (pid {pid} on {host})" if rank != "?" else f"the process with pid {pid} on {host}"
    return (f"{who} {how}; mpiexec stopped the other ranks of the {nproc}-process job"
            + (" (a collective timed out: its message above names the rank that did not arrive)"
               if status == 75 else ""))
