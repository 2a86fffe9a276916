"""The ``workbench`` command line.

::

    workbench run digits_classifier -p epochs=10      # a bundled example or a script defining main(exp, params)
    workbench run train.py --nproc 2                  # on 2 processes of an MPI job (wb.distribute)
    workbench sweep train.py -p lr=0.1,0.01 -p layers=1,2 --parallel 2
    workbench sweep train.py -p lr='loguniform(1e-4,1e-1)' --backend ray --search optuna --metric loss
    workbench runs --sort val/accuracy                # a table of runs from MLflow
    workbench compare 3f2a9c 81be07                   # params and metrics side by side
    workbench ui                                      # TensorBoard and the MLflow UI on loopback
    workbench sync                                    # send what an unreachable server missed
    workbench examples                                # the bundled examples
    workbench devices                                 # the CPU and the GPUs this process can use

Each command lives in a module of its own (``run.py``, ``sweep.py``, ...); this one builds the
parser and dispatches to them.
"""

import argparse
import os
import sys

from .common import CLIError
from .devices import _cmd_devices
from .examples import _cmd_examples
from .run import _cmd_run
from .runs import _cmd_compare, _cmd_runs
from .sweep import _cmd_sweep
from .sweep_ray import add_ray_options
from .sync import _cmd_sync
from .targets import _HelpWithParams
from .ui import _cmd_ui


def _add_run_options(p, sweep=False):
    if sweep:
        p.add_argument("-p", "--param", action="append", metavar="KEY=V1,V2,...",
                       help="the values to try for a parameter, comma-separated Python literals "
                            "(repeat for several parameters)")
    else:
        p.add_argument("-p", "--param", action="append", metavar="KEY=VALUE",
                       help="set a parameter (a Python literal; repeat for several)")
    p.add_argument("--experiment", help="MLflow experiment name (default: the script's name)")
    p.add_argument("--logdir", default="runs", help="TensorBoard log folder (default: runs)")
    p.add_argument("--tracking-uri", help="MLflow store (default: WORKBENCH_TRACKING_URI, "
                                          "MLFLOW_TRACKING_URI, else sqlite:///mlflow.db)")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="workbench", description="research-workbench command line",
        epilog="examples:\n" + __doc__.split("::", 1)[1].split("\n\n")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", help="run a bundled example or a script with main(exp, params)", add_help=False)
    p.add_argument("-h", "--help", action=_HelpWithParams,
                   help="show this help and, after NAME, its parameters and their defaults")
    p.add_argument("script", help="example name (see `workbench examples`) or a path to a script")
    _add_run_options(p)
    p.add_argument("--run-name", help="the run's name (default: <name>-<timestamp>)")
    p.add_argument("--resume", metavar="RUN_ID",
                   help="continue an earlier run: its steps, checkpoints and MLflow run")
    p.add_argument("--nproc", type=int, metavar="N",
                   help="run on N processes of one MPI job (mpiexec; wb.distribute strategies join them)")
    p.add_argument("--hosts", metavar="H1,H2", help="with --nproc: the hosts the processes run on")
    p.add_argument("--hostfile", metavar="FILE", help="with --nproc: a file of host[:slots] lines")
    p.set_defaults(fn=_cmd_run)

    p = sub.add_parser("sweep", help="run a script once per combination of parameters (grid or random)",
                       add_help=False)
    p.add_argument("-h", "--help", action=_HelpWithParams,
                   help="show this help and, after NAME, its parameters and their defaults")
    p.add_argument("script", help="example name or a path to a script with main(exp, params)")
    _add_run_options(p, sweep=True)
    p.add_argument("--random", type=int, metavar="N", help="draw N distinct combinations instead of the full grid")
    p.add_argument("--seed", type=int, default=0, help="seed of the random draw (default 0)")
    p.add_argument("--parallel", type=int, metavar="N",
                   help="trials run at once (default 1; with --backend ray: as many as the CPUs allow)")
    add_ray_options(p)
    p.set_defaults(fn=_cmd_sweep)

    p = sub.add_parser("runs", help="a table of runs from MLflow")
    p.add_argument("--experiment", help="only this experiment (default: all)")
    p.add_argument("--sort", metavar="METRIC", help="order by this metric's last value")
    p.add_argument("--order", choices=("auto", "asc", "desc"), default="auto",
                   help="auto: ascending for losses and errors, else descending")
    p.add_argument("--limit", type=int, default=20, help="at most this many runs (default 20)")
    p.add_argument("--width", type=int, metavar="N",
                   help="characters per line (default: COLUMNS or the terminal's width; 0: no limit)")
    p.add_argument("--tracking-uri", help="MLflow store (default as for `workbench run`)")
    p.set_defaults(fn=_cmd_runs)

    p = sub.add_parser("compare", help="params and metrics of runs side by side")
    p.add_argument("runs", nargs="+", metavar="RUN", help="run id, unique id prefix, or run name")
    p.add_argument("--system", action="store_true", help="include system metrics")
    p.add_argument("--tracking-uri", help="MLflow store (default as for `workbench run`)")
    p.set_defaults(fn=_cmd_compare)

    p = sub.add_parser("ui", help="start TensorBoard and the MLflow UI on loopback")
    p.add_argument("--logdir", default="runs", help="TensorBoard log folder (default: runs)")
    p.add_argument("--port-tb", type=int, default=0, help="TensorBoard port (default 0: any free port)")
    p.add_argument("--port-mlflow", type=int, default=None,
                   help="MLflow UI port (default 5000, or a free one if 5000 is taken; 0: any free port)")
    p.add_argument("--tracking-uri", help="MLflow store (default as for `workbench run`)")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for both to start")
    p.set_defaults(fn=_cmd_ui)

    p = sub.add_parser("sync", help="send tracking data that an unreachable server missed, creating "
                                    "runs that started offline")
    p.add_argument("path", nargs="?",
                   help="a spill file, run folder, log folder or run id (default: all under --logdir)")
    p.add_argument("--logdir", default="runs", help="where runs keep their logs (default: runs)")
    p.add_argument("--upload", action="append", metavar="PATH",
                   help="also upload this artifact, logged from outside its run's folder (repeat for several)")
    p.set_defaults(fn=_cmd_sync)

    sub.add_parser("examples", help="list the bundled examples").set_defaults(fn=_cmd_examples)
    sub.add_parser("devices", help="list the devices this process can use").set_defaults(fn=_cmd_devices)
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    args.argv = argv   # `run --nproc` starts the same command on every rank
    try:
        return args.fn(args) or 0
    except CLIError as exc:
        print(f"workbench {args.command}: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `workbench runs | head`: the reader has what it wanted
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so that the exit's flush does not fail again
        return 141
