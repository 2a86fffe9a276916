"""Keras 3's guides, written against wb.keras with only the imports changed (``import keras`` ->
``from workbench import keras``, ``import tensorflow as tf`` -> ``import workbench as tf``), each
run as a script in a fresh process from an empty folder, on small random data instead of the
guides' downloads. Each script checks what the guide shows and ends by printing GUIDE OK."""

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
GUIDES = sorted((ROOT / "tests" / "keras_guides").glob("*.py"))


@pytest.mark.parametrize("script", GUIDES, ids=[p.stem for p in GUIDES])
def test_guide_runs_unchanged(script, tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=240)
    tail = (proc.stdout + proc.stderr)[-4000:]
    assert proc.returncode == 0, f"{script.name} failed:\n{tail}"
    assert proc.stdout.rstrip().endswith("GUIDE OK"), tail
