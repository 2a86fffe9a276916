"""TF 2's own guide notebooks (tensorflow/docs, site/en/guide/), their code cells written out with
only the imports changed (``import tensorflow as tf`` -> ``import workbench as tf``), each run cell
by cell in a fresh process from an empty folder, as a notebook runs them (one namespace, a failing
cell does not stop the next).

Every cell that runs in TF 2.21 must run here, except the ones listed with the reason in
tf_guides/<guide>.known.json; a cell on that list that starts to run fails the test too, so the list
only shrinks."""

import ast
import json
import linecache
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
GUIDES = sorted((ROOT / "tests" / "tf_guides").glob("*.py"))

# tf_guides/<guide>.known.json: cell index (0-based, in the script's "# %%" order) -> why it fails here
KNOWN_FAILURES = {
    p.stem[:-len(".known")]: {int(k): why for k, why in json.loads(p.read_text()).items()}
    for p in (ROOT / "tests" / "tf_guides").glob("*.known.json")
}


def run_cells(path):
    """Run the script's cells in one namespace; return the indices of the cells that raised.

    Each cell's source is kept in ``linecache`` under a file name of its own, as Jupyter's kernel
    keeps it, so that code reading a function's source (``inspect.getsource``, AutoGraph's
    ``to_code``) finds it as it does in a notebook."""
    cells = [c for c in path.read_text().split("\n# %%\n")[1:]]
    namespace = {"__name__": "__main__"}
    failed = []
    for i, source in enumerate(cells):
        filename = f"<{path.stem} cell {i}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        tree = ast.parse(source)
        try:
            exec(compile(tree, filename, "exec"), namespace)
        except Exception as e:  # noqa: BLE001 -- a notebook goes on after a failing cell
            print(f"cell {i}: {type(e).__name__}: {e}", file=sys.stderr)
            failed.append(i)
    return failed


@pytest.fixture(scope="module")
def script_env(tmp_path_factory):
    """The scripts' environment. Where PYTHONDONTWRITEBYTECODE is set, each script's process would compile
    every workbench module from source again (about a second each); they share this session's bytecode
    folder instead, outside the source tree."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               MPLBACKEND="Agg")
    if env.pop("PYTHONDONTWRITEBYTECODE", None):
        env["PYTHONPYCACHEPREFIX"] = str(tmp_path_factory.mktemp("pycache"))
    return env


@pytest.mark.parametrize("script", GUIDES, ids=[p.stem for p in GUIDES])
def test_tf_guide_cells_run(script, tmp_path, script_env):
    proc = subprocess.run([sys.executable, __file__, str(script)], cwd=tmp_path, env=script_env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]
    failed = set(json.loads(proc.stdout.strip().splitlines()[-1]))
    known = set(KNOWN_FAILURES.get(script.stem, {}))
    assert not failed - known, f"cells that run in TF fail here: {sorted(failed - known)}\n{proc.stderr[-4000:]}"
    assert not known - failed, f"cells now run; take them off KNOWN_FAILURES: {sorted(known - failed)}"


if __name__ == "__main__":
    print(json.dumps(run_cells(pathlib.Path(sys.argv[1]))))
