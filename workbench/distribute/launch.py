"""Starting an MPI job: where ``mpiexec`` is and the command line that runs N processes."""

from __future__ import annotations

import os
import shutil
import sys


def find_mpiexec():
    """The ``mpiexec`` beside this Python (the ``mpich`` wheel puts it there), else the one on
    ``PATH``, else None."""
    here = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if os.path.isfile(here) and os.access(here, os.X_OK):
        return here
    return shutil.which("mpiexec")


def mpiexec_command(nproc, argv, hosts=None, hostfile=None, mpiexec=None) -> list:
    """``mpiexec -n NPROC [-hosts H1,H2 | -f HOSTFILE] ARGV...`` (MPICH's Hydra options).

    Args:
        nproc: how many processes (ranks) to start.
        argv: the command each runs (``[sys.executable, script, ...]``).
        hosts: host names, a comma-separated string or a list (ranks fill them in turn).
        hostfile: a file of ``host[:slots]`` lines.
    """
    if not isinstance(nproc, int) or isinstance(nproc, bool) or nproc < 1:
        raise ValueError(f"the number of processes must be a positive integer, got {nproc!r}")
    if hosts and hostfile:
        raise ValueError("give hosts or a hostfile, not both")
    exe = mpiexec or find_mpiexec()
    if exe is None:
        raise FileNotFoundError("mpiexec was not found: pip install 'research-workbench[distributed]' "
                                "(mpi4py and the mpich runtime) or put an MPI's mpiexec on PATH")
    cmd = [exe, "-n", str(nproc)]
    if hosts:
        names = hosts.split(",") if isinstance(hosts, str) else list(hosts)
        names = [h.strip() for h in names if h.strip()]
        if not names:
            raise ValueError(f"hosts must name at least one host, got {hosts!r}")
        cmd += ["-hosts", ",".join(names)]
    if hostfile:
        if not os.path.isfile(hostfile):
            raise FileNotFoundError(f"hostfile {hostfile!r} does not exist")
        cmd += ["-f", hostfile]
    return cmd + list(argv)


_RANK_ENV = ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "SLURM_PROCID")
_SIZE_ENV = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "SLURM_NTASKS")


def process_rank() -> int:
    """This process's rank in the job that started it (MPICH's ``PMI_RANK``, Open MPI's
    ``OMPI_COMM_WORLD_RANK``, PMIx's ``PMIX_RANK``, Slurm's ``SLURM_PROCID``); 0 alone.
    Read from the environment, so it costs no MPI initialization."""
    for key in _RANK_ENV:
        value = os.environ.get(key, "")
        if value.isdigit():
            return int(value)
    return 0


def is_chief() -> bool:
    """Whether this process is rank 0 of its job (or not part of one): the process that writes
    checkpoints, TensorBoard logs and the MLflow run when several train together."""
    return process_rank() == 0


def process_count() -> int:
    """How many processes the job that started this one has (1 alone), from the environment
    as :func:`process_rank`."""
    for key in _SIZE_ENV:
        value = os.environ.get(key, "")
        if value.isdigit():
            return int(value)
    return 1
