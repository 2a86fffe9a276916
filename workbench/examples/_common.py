"""What the bundled examples share: the fast switch, a seeded split, image grids, progress lines,
script entry."""

from __future__ import annotations

import contextlib
import functools
import os
import sys

import numpy as np

FAST_ENV = "WORKBENCH_FAST"
THREAD_ENV = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


def fast_mode() -> bool:
    """True when ``WORKBENCH_FAST`` is set to anything but ``""``/``0``/``false``: tests use it to
    run an example for real with fewer epochs."""
    return os.environ.get(FAST_ENV, "").strip().lower() not in ("", "0", "false", "no")


def epochs_for(params, fast_epochs):
    """``params["epochs"]``, capped at ``fast_epochs`` under ``WORKBENCH_FAST``."""
    epochs = int(params["epochs"])
    return min(epochs, fast_epochs) if fast_mode() else epochs


def one_blas_thread(main):
    """Run ``main(exp, params)`` with BLAS limited to one thread (through ``threadpoolctl``,
    which the tracking extra brings; without it, or when one of ``THREAD_ENV`` is set, BLAS
    keeps its own setting).

    The examples' products are small: a second BLAS thread gains little on an idle machine,
    and on a busy one (a 2-core machine where anything else runs) the threads wait for each
    other. Measured on 2 cores with other work running: digits_classifier's 30 epochs took
    43-68 s with threaded OpenBLAS and 17-23 s with one thread; idle, about 10 s either way.
    """
    @functools.wraps(main)
    def run(exp, params):
        with _blas_limit(1):
            return main(exp, params)
    return run


def _blas_limit(threads):
    if any(os.environ.get(name) for name in THREAD_ENV):
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits  # optional: imported only when this is used
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=threads, user_api="blas")


def split(n, validation_fraction, seed):
    """Shuffled index arrays ``(train, validation)`` over ``range(n)``, reproducible from ``seed``."""
    if not 0.0 < float(validation_fraction) < 1.0:
        raise ValueError(f"validation_fraction must be in (0, 1), got {validation_fraction!r}")
    order = np.random.default_rng(seed).permutation(n)
    n_val = max(1, int(round(n * float(validation_fraction))))
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def image_grid(images, columns=8, scale=4, pad=1):
    """Tile grey images ``[k, h, w]`` (values in [0, 1]) into one picture ``[1, H, W, 1]``.

    Each image is enlarged ``scale`` times (nearest neighbour: an 8x8 digit is too small to
    see in TensorBoard) and framed by ``pad`` pixels of mid grey.

    >>> image_grid(np.zeros((10, 8, 8)), columns=5, scale=2).shape
    (1, 35, 86, 1)
    """
    images = np.clip(np.asarray(images, dtype=np.float32), 0.0, 1.0)
    k, h, w = images.shape
    columns = max(1, min(int(columns), k))
    rows = -(-k // columns)
    big = images.repeat(scale, axis=1).repeat(scale, axis=2)
    cell_h, cell_w = h * scale + pad, w * scale + pad
    grid = np.full((rows * cell_h + pad, columns * cell_w + pad), 0.5, np.float32)
    for i in range(k):
        r, c = divmod(i, columns)
        grid[pad + r * cell_h: (r + 1) * cell_h, pad + c * cell_w: (c + 1) * cell_w] = big[i]
    return grid[None, :, :, None]


def progress_line(label, index, total, metrics, seconds=None):
    """One line of progress: ``epoch 3/30  train/loss 0.1234  val/accuracy 0.9750  (0.3 s)``.

    >>> progress_line("epoch", 2, 30, {"val/accuracy": 0.975}, 0.31)
    'epoch  3/30  val/accuracy 0.9750  (0.3 s)'
    """
    width = len(str(total))
    text = f"{label} {index + 1:>{width}}/{total}  " + "  ".join(
        f"{name} {value:.4f}" for name, value in metrics.items())
    return text if seconds is None else f"{text}  ({seconds:.1f} s)"


def report(progress, line):
    """Print ``line`` now: above the progress bar when ``progress`` is one (``exp.progress`` on a
    terminal gives a tqdm bar), else as a line of its own, flushed so that a pipe sees it."""
    write = getattr(progress, "write", None)
    if callable(write):
        write(line)
    else:
        print(line, flush=True)


def run_as_script(example_name):
    """``python -m workbench.examples.<name> [-p key=value ...]``: the same as
    ``workbench run <name> ...`` (the CLI builds the Experiment and calls ``main``)."""
    from workbench.cli import main as cli_main  # the CLI imports the examples: looked up when run
    sys.exit(cli_main(["run", example_name, *sys.argv[1:]]))
