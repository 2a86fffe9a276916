"""``python -m benchmarks [--only W1,W3] [--rounds N] [--json PATH] [--quick] [--update-readme]``.

Checks that the competitors agree, times them round robin, prints a Markdown
table and writes every measurement to JSON (``benchmarks/results.json`` by
default). ``--update-readme`` also puts the table into ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys

from . import COMPETITORS, limit_threads, workload_modules

HERE = os.path.dirname(os.path.abspath(__file__))
README = os.path.join(HERE, "README.md")
START, END = "<!-- results:start -->", "<!-- results:end -->"

# Variants of numbered workloads (key: module in this package), shown after the workload
# they vary. Numbered workloads themselves are found by their file names.
VARIANTS = {
    "W2b": "w2b_mlp_layers",
    "W9b": "w9b_dense_embedding",
    "W10b": "w10b_onnx_inference_one",
}


def all_workloads() -> dict:
    """The numbered workloads and their variants, each variant after its base."""
    mods = dict(workload_modules())
    for key, name in VARIANTS.items():
        mods[key] = importlib.import_module(f"{__package__ or 'benchmarks'}.{name}")
    order = sorted(mods, key=lambda k: (int(k[1:].rstrip("abcdefghijklmnopqrstuvwxyz")), k))
    return {k: mods[k] for k in order}


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    p.add_argument("--only", help="comma-separated workloads, e.g. W1,W3 (default: all)")
    p.add_argument("--rounds", type=int, help="timing rounds (default 15; 3 with --quick)")
    p.add_argument("--json", default=os.path.join(HERE, "results.json"),
                   help="where to write the results (default: benchmarks/results.json)")
    p.add_argument("--quick", action="store_true",
                   help="tiny sizes and short blocks: checks the harness, measures nothing useful")
    p.add_argument("--competitors", default=",".join(COMPETITORS),
                   help="comma-separated subset of " + ",".join(COMPETITORS)
                        + " (the limit always runs; missing optional ones are skipped; "
                          "workbench_fn is workbench under wb.function)")
    p.add_argument("--device", choices=("cpu", "gpu"),
                   help="where to run (default: workbench's default device)")
    p.add_argument("--block-ms", type=float,
                   help="target length of one timed block per competitor (default 100; 5 with --quick)")
    p.add_argument("--threads", type=int, default=1,
                   help="threads per library (BLAS, PyTorch, JAX, TensorFlow); 0 keeps each "
                        "library's default (default 1: see the README's method)")
    p.add_argument("--limit-blas", choices=("auto", "numpy", "mkl", "blis"),
                   help="the BLAS of the limit's matrix products (default auto: the fastest "
                        "installed one, measured once per machine; numpy with --quick)")
    p.add_argument("--update-readme", action="store_true",
                   help="write the table into benchmarks/README.md")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def _select(mods, only):
    if not only:
        return list(mods.values())
    by_upper = {k.upper(): k for k in mods}
    keys = [k.strip().upper() for k in only.split(",") if k.strip()]
    unknown = [k for k in keys if k not in by_upper]
    if unknown:
        raise SystemExit(f"--only: unknown workload(s) {', '.join(unknown)}; "
                         f"known: {', '.join(mods)}")
    return [mods[by_upper[k]] for k in keys]


def _competitors(text):
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    aliases = {"numpy": "limit", "cupy": "limit", "workbench.function": "workbench_fn",
               "wb.function": "workbench_fn"}
    names = [aliases.get(n, n) for n in names]
    unknown = [n for n in names if n not in COMPETITORS]
    if unknown:
        raise SystemExit(f"--competitors: unknown {', '.join(unknown)}; "
                         f"known: {', '.join(COMPETITORS)}")
    return names


def _default_device():
    import workbench as wb
    return "gpu" if wb.default_device().kind == "gpu" else "cpu"


def update_readme(table: str, machine_line: str, settings: str, path: str = README) -> None:
    """Replace the text between the results markers in the README."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if START not in text or END not in text:
        raise SystemExit(f"{path} has no '{START}' … '{END}' markers to put the results between")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    body = f"{START}\nMachine: {machine_line}.\n\n{settings}\n\n{table}\n{END}"
    with open(path, "w", encoding="utf-8") as f:
        f.write(head + body + tail)


RECORD = "RECORD "


def _worker(args, mod, names, rounds, block_s) -> int:
    """In each process of a workload's ``mpiexec`` job: check and time it; the first process
    prints the record."""
    from mpi4py import MPI

    from . import harness
    env = harness.Env("cpu", threads=args.threads, limit_blas=args.limit_blas or "numpy",
                      comm=MPI.COMM_WORLD)
    quiet = (lambda *a, **k: None) if env.rank else print
    rec = harness.run_workload(mod, names, quick=args.quick, rounds=rounds, block_s=block_s,
                               env=env, log=quiet)
    if env.rank == 0:
        print(RECORD + json.dumps(rec), flush=True)
    return 0


def run_in_processes(mod, names, args, rounds, block_s, env, harness) -> dict:
    """Run the workload ``mod`` of ``mod.PROCESSES`` processes in an ``mpiexec`` job of its
    own (the same settings, the limit on the same BLAS) and return its record; a record of
    skipped competitors when the job cannot run here."""
    why = None
    if env.gpu:
        why = "runs on CPUs only"
    else:
        try:
            import mpi4py  # noqa: F401  (the job's processes need it)
            from workbench.distribute.launch import mpiexec_command
            cmd = mpiexec_command(mod.PROCESSES, [
                sys.executable, "-m", "benchmarks", "--worker", "--only", mod.KEY,
                "--rounds", str(rounds), "--block-ms", str(block_s * 1e3), "--threads", str(args.threads),
                "--competitors", ",".join(names), "--limit-blas", env.limit_blas, "--json", ""]
                + (["--quick"] if args.quick else []))
        except (ImportError, FileNotFoundError) as exc:
            why = f"needs mpi4py and mpiexec ({exc})"
    if why is None:
        job = subprocess.run(cmd, capture_output=True, text=True, timeout=3600,
                             cwd=os.path.dirname(HERE))
        lines = [ln for ln in job.stdout.splitlines() if ln.startswith(RECORD)]
        if job.returncode == 0 and lines:
            for ln in job.stdout.splitlines():
                if ln.startswith(f"  {mod.KEY}:"):
                    print(ln)
            return json.loads(lines[0][len(RECORD):])
        why = f"the {mod.PROCESSES}-process job failed: {(job.stderr or job.stdout).strip()[-2000:]}"
    print(f"  {mod.KEY}: not run ({why})", file=sys.stderr)
    cfg = mod.CONFIGS["quick" if args.quick else "full"]
    return harness._record(mod, cfg, [], [], {n: why for n in names}, args.quick)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.threads and not limit_threads(args.threads):
        print(f"--threads {args.threads}: NumPy was imported before the benchmarks started, so "
              "its BLAS keeps the threads it has", file=sys.stderr)
    from . import harness  # imports NumPy: only after the thread pools are sized
    mods = _select(all_workloads(), args.only)
    names = _competitors(args.competitors)
    rounds = args.rounds or (3 if args.quick else 15)
    block_s = (args.block_ms or (5.0 if args.quick else 100.0)) / 1e3
    if args.worker:
        return _worker(args, mods[0], names, rounds, block_s)
    env = harness.Env(args.device or _default_device(), threads=args.threads,
                      limit_blas=args.limit_blas or ("numpy" if args.quick else "auto"))
    machine = harness.machine_info(env, names)
    print(f"Machine: {harness.format_machine(machine)}", flush=True)
    records = []
    for mod in mods:
        print(f"{mod.KEY} {mod.TITLE}: checking and timing ({rounds} rounds) …", flush=True)
        if getattr(mod, "PROCESSES", 1) > 1:
            records.append(run_in_processes(mod, names, args, rounds, block_s, env, harness))
            continue
        records.append(harness.run_workload(mod, names, quick=args.quick, rounds=rounds,
                                            block_s=block_s, env=env))
    table = harness.format_table(records, machine)
    settings = (f"{rounds} rounds, blocks of about {block_s * 1e3:.0f} ms per competitor; "
                "times are medians over rounds, ratios are medians of per-round ratios "
                "with the interquartile range in parentheses"
                + (" (quick mode: tiny sizes, not a measurement)" if args.quick else "") + ".")
    print()
    print(table)
    out = {"machine": machine,
           "settings": {"rounds": rounds, "block_s": block_s, "quick": args.quick,
                        "threads": args.threads,
                        "device": "gpu" if env.gpu else "cpu", "competitors": names},
           "workloads": {r["key"]: r for r in records}}
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=1)
        print(f"\nresults written to {args.json}")
    if args.update_readme:
        update_readme(table, harness.format_machine(machine), settings)
        print(f"table written to {README}")
    mismatches = [f"{r['key']}:{name}" for r in records
                  for name, c in r["competitors"].items() if not c["check"]["ok"]]
    if mismatches:
        print("results disagree: " + ", ".join(mismatches), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
