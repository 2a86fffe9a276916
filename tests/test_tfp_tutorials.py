"""TFP's tutorial notebooks, their code cells written against the workbench with only the imports
changed (``import tensorflow as tf`` -> ``import workbench as tf``, ``import tensorflow_probability
as tfp`` -> ``import probability as tfp``, ``tf_keras`` -> ``workbench.keras``), each run as a
script in a fresh process from an empty folder. Each script checks what its notebook shows and
ends by printing TUTORIAL OK."""

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCRIPTS = sorted((ROOT / "tests" / "tfp_tutorials").glob("*.py"))
# scripts that take more than about 10 s (thousands of MCMC steps)
SLOW = {"eight_schools", "bayesian_switchpoint", "bayesian_gmm"}
CASES = [pytest.param(p, id=p.stem, marks=[pytest.mark.slow] if p.stem in SLOW else []) for p in SCRIPTS]


@pytest.mark.parametrize("script", CASES)
def test_tutorial_runs_with_only_the_imports_changed(script, tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               MPLBACKEND="Agg", OPENBLAS_NUM_THREADS=os.environ.get("OPENBLAS_NUM_THREADS", "1"))
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=900)
    tail = (proc.stdout + proc.stderr)[-4000:]
    assert proc.returncode == 0, f"{script.name} failed:\n{tail}"
    assert proc.stdout.rstrip().endswith("TUTORIAL OK"), tail
