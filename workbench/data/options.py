"""``Dataset.options()`` / ``with_options``: TF's ``tf.data.Options``.

``options()`` merges the options set along a pipeline, the ones set downstream winning
where both set a value (TF's rule). While a ``with_options`` dataset builds its iterator,
the transformations upstream of it read the merged options: ``deterministic`` (the order
of a parallel ``map`` whose own ``deterministic`` is None) and
``threading.private_threadpool_size`` (the most threads a parallel ``map`` uses). The
other options are recorded and read back, and change nothing here.
"""

from __future__ import annotations

import contextlib
import contextvars
import enum

from .dataset import Dataset

_current = contextvars.ContextVar("wb_data_options", default=None)


def current_options():
    """The options of the ``with_options`` whose iterator is being built (None outside one)."""
    return _current.get()


@contextlib.contextmanager
def _applied(options):
    token = _current.set(options)
    try:
        yield
    finally:
        _current.reset(token)


class _Group:
    _fields: tuple = ()

    def __init__(self):
        for f in self._fields:
            object.__setattr__(self, f, None)

    def __setattr__(self, name, value):
        if name not in self._fields:
            raise AttributeError(f"{type(self).__name__} has no option {name!r}; the options are "
                                 f"{list(self._fields)}")
        object.__setattr__(self, name, value)

    def _merge(self, other):
        for f in self._fields:
            mine, theirs = getattr(self, f), getattr(other, f)
            if isinstance(mine, _Group):
                mine._merge(theirs)
            elif theirs is not None:
                object.__setattr__(self, f, theirs)

    def __eq__(self, other):
        return type(self) is type(other) and all(getattr(self, f) == getattr(other, f) for f in self._fields)

    def __repr__(self):
        set_ = {f: getattr(self, f) for f in self._fields if getattr(self, f) is not None}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in set_.items())})"


class ThreadingOptions(_Group):
    _fields = ("max_intra_op_parallelism", "private_threadpool_size")


class AutotuneOptions(_Group):
    _fields = ("enabled", "cpu_budget", "ram_budget", "autotune_algorithm")


class OptimizationOptions(_Group):
    _fields = ("apply_default_optimizations", "map_and_batch_fusion", "map_parallelization",
               "parallel_batch", "shuffle_and_repeat_fusion", "noop_elimination")


class DistributeOptions(_Group):
    """``experimental_distribute``: recorded (a strategy here splits each batch across its
    replicas, as TF's single-worker strategies do whatever the policy)."""

    _fields = ("auto_shard_policy", "num_devices")


class AutoShardPolicy(enum.IntEnum):
    """TF's ``tf.data.experimental.AutoShardPolicy``."""

    OFF = -1
    AUTO = 0
    FILE = 1
    DATA = 2
    HINT = 3


class ExternalStatePolicy(enum.Enum):
    """TF's ``tf.data.experimental.ExternalStatePolicy``."""

    WARN = 0
    IGNORE = 1
    FAIL = 2


class AutotuneAlgorithm(enum.Enum):
    """TF's ``tf.data.experimental.AutotuneAlgorithm``."""

    DEFAULT = 0
    HILL_CLIMB = 1
    GRADIENT_DESCENT = 2
    MAX_PARALLELISM = 3
    STAGE_BASED = 4


class Options(_Group):
    """``tf.data.Options``: ``deterministic``, ``threading``, ``autotune``,
    ``experimental_optimization``, ``experimental_distribute``, ``experimental_slack``,
    ``experimental_warm_start``, ``experimental_symbolic_checkpoint``, ``dataset_name``,
    ``framework_type``; ``experimental_deterministic`` and ``experimental_threading`` are TF's
    older names of ``deterministic`` and ``threading``."""

    _fields = ("deterministic", "experimental_slack", "experimental_warm_start",
               "experimental_external_state_policy", "threading", "autotune",
               "experimental_optimization", "experimental_distribute", "experimental_symbolic_checkpoint",
               "dataset_name", "framework_type")
    _aliases = {"experimental_deterministic": "deterministic", "experimental_threading": "threading"}

    def __getattr__(self, name):
        alias = type(self)._aliases.get(name)
        if alias is None:
            raise AttributeError(f"Options has no option {name!r}")
        return getattr(self, alias)

    def __setattr__(self, name, value):
        super().__setattr__(self._aliases.get(name, name), value)

    def __init__(self):
        super().__init__()
        object.__setattr__(self, "threading", ThreadingOptions())
        object.__setattr__(self, "autotune", AutotuneOptions())
        object.__setattr__(self, "experimental_optimization", OptimizationOptions())
        object.__setattr__(self, "experimental_distribute", DistributeOptions())

    def merge(self, options):
        """A new Options: these, overridden by what ``options`` sets."""
        if not isinstance(options, Options):
            raise TypeError(f"merge: options must be a wb.data.Options, got {type(options).__name__}")
        out = Options()
        out._merge(self)
        out._merge(options)
        return out


def upstream(ds):
    """The datasets ``ds`` reads from (its inputs, in order)."""
    found = []
    for name in ("_input", "_first", "_second", "_choice", "_weights_ds"):
        d = getattr(ds, name, None)
        if isinstance(d, Dataset):
            found.append(d)
    found.extend(d for d in getattr(ds, "_inputs", ()) if isinstance(d, Dataset))
    return found


def merged_options(ds):
    """The options of the pipeline ending at ``ds`` (upstream first, downstream winning)."""
    out = Options()
    for d in upstream(ds):
        out._merge(merged_options(d))
    if isinstance(ds, WithOptions):
        out._merge(ds._options)
    return out


class WithOptions(Dataset):
    """``Dataset.with_options``: the input's elements, with options attached."""

    _same_elements = True

    def __init__(self, input_ds, options):
        if not isinstance(options, Options):
            raise TypeError(f"with_options: options must be a wb.data.Options, got "
                            f"{type(options).__name__}")
        self._input = input_ds
        self._options = Options()
        self._options._merge(options)

    def _indexable(self):
        return self._input._indexable()

    def _index_iter(self, state=None):
        with _applied(merged_options(self)):
            return self._input._index_iter(state)

    def _elem_iter(self, state=None):
        with _applied(merged_options(self)):
            return self._input._iter(state)

    def _cardinality(self):
        return self._input._cardinality()
