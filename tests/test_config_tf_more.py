"""``wb.config``'s visible devices, thread counts and optimizer switches as TF 2.21's ``tf.config``
(the before/after-initialization rules need a fresh process: a tensor fixes them)."""

import subprocess
import sys
import textwrap

import pytest

import workbench as wb


def _fresh(code):
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()


def test_visible_devices_before_and_after_the_first_tensor():
    lines = _fresh("""
        import workbench as wb
        cpu = wb.config.list_physical_devices("CPU")
        wb.config.set_visible_devices([], "GPU")                 # no GPU here: nothing changes
        print(wb.config.get_visible_devices() == cpu)
        wb.config.set_visible_devices([])
        print(wb.config.get_visible_devices(), wb.config.list_physical_devices() == cpu)
        wb.config.set_visible_devices(cpu[0])
        print(wb.config.get_visible_devices() == cpu)
        wb.config.threading.set_intra_op_parallelism_threads(1)
        wb.config.threading.set_inter_op_parallelism_threads(2)
        x = wb.constant(1.0) + 1.0
        wb.config.set_visible_devices(cpu)                        # the same set: allowed
        wb.config.threading.set_intra_op_parallelism_threads(1)
        for call in (lambda: wb.config.set_visible_devices([]),
                     lambda: wb.config.threading.set_intra_op_parallelism_threads(3)):
            try:
                call()
            except RuntimeError as e:
                print(e)
        print(wb.config.threading.get_intra_op_parallelism_threads(),
              wb.config.threading.get_inter_op_parallelism_threads())
    """)
    assert lines == ["True", "[] True", "True", "Visible devices cannot be modified after being initialized",
                     "Intra op parallelism cannot be modified after initialization.", "1 2"]


def test_bad_devices_are_unrecognized():
    cpu = wb.config.list_physical_devices("CPU")
    with pytest.raises(ValueError, match="Unrecognized device: 'x'"):
        wb.config.set_visible_devices(["x"])
    with pytest.raises(ValueError, match="Unrecognized device: PhysicalDevice"):
        wb.config.set_visible_devices(cpu, "GPU")
    with pytest.raises(ValueError, match="num_threads must be an int"):
        wb.config.threading.set_intra_op_parallelism_threads(-1)
    assert wb.config.experimental.set_visible_devices is wb.config.set_visible_devices


def test_optimizer_switches_report_what_was_set():
    assert wb.config.optimizer.get_jit() in ("", "autoclustering")
    wb.config.optimizer.set_jit(True)
    assert wb.config.optimizer.get_jit() == "autoclustering"
    wb.config.optimizer.set_jit(False)
    assert wb.config.optimizer.get_jit() == ""
    wb.config.optimizer.set_experimental_options({"constant_folding": False})
    assert wb.config.optimizer.get_experimental_options() == {
        "constant_folding": False, "disable_model_pruning": False, "disable_meta_optimizer": False}


def test_deprecated_eager_switches():
    wb.config.experimental_run_functions_eagerly(True)
    try:
        assert wb.config.experimental_functions_run_eagerly() is True
    finally:
        wb.config.run_functions_eagerly(False)
    assert wb.config.functions_run_eagerly() is False
