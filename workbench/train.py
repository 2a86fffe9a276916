"""``wb.train``: TF 2's ``tf.train`` names, gathered from where they live.

    Checkpoint, CheckpointManager, latest_checkpoint   object-based checkpoints (``wb.checkpoint``)
    CheckpointOptions                                  accepted and ignored, as TF's defaults
    TrackableView                                      the objects a checkpoint of a root saves
    CheckpointView                                     the object graph a saved checkpoint holds
    load_checkpoint, list_variables, CheckpointReader  a checkpoint's values by key
    load_variable, get_checkpoint_state,
    checkpoints_iterator                               one value, a folder's record, new checkpoints as they come
    Example, Features, Feature, BytesList, FloatList,
    Int64List, SequenceExample, FeatureList(s)         TF's Example messages (``wb.io``)
    ExponentialMovingAverage                           shadow variables that follow variables' moving averages

>>> ckpt = wb.train.Checkpoint(step=wb.Variable(1))
>>> manager = wb.train.CheckpointManager(ckpt, "ckpts", max_to_keep=3)
"""

from __future__ import annotations

from .checkpoint import Checkpoint, CheckpointManager, latest_checkpoint
from .checkpoint.reader import CheckpointReader, list_variables, load_checkpoint
from .module import Module

__all__ = ["BytesList", "Checkpoint", "CheckpointManager", "CheckpointOptions", "CheckpointReader", "CheckpointView",
           "ClusterSpec", "Example", "ExponentialMovingAverage", "Feature", "FeatureList", "FeatureLists", "Features",
           "FloatList", "Int64List", "SequenceExample", "TrackableView", "checkpoints_iterator", "get_checkpoint_state",
           "latest_checkpoint", "list_variables", "load_checkpoint", "load_variable"]

_EXAMPLE = ("BytesList", "Example", "Feature", "FeatureList", "FeatureLists", "Features", "FloatList",
            "Int64List", "SequenceExample")


class CheckpointOptions:
    """TF's ``tf.train.CheckpointOptions``: taken for compatibility; a workbench checkpoint is
    written synchronously on the host, whatever the options say."""

    def __init__(self, experimental_io_device=None, experimental_enable_async_checkpoint=False,
                 experimental_write_callbacks=None, enable_async=False, experimental_sharding_callback=None,
                 experimental_skip_slot_variables=False):
        self.experimental_io_device = experimental_io_device
        self.enable_async = bool(enable_async or experimental_enable_async_checkpoint)
        self.experimental_skip_slot_variables = experimental_skip_slot_variables


class TrackableView:
    """TF's ``tf.train.TrackableView``: the graph of objects a checkpoint of ``root`` walks, each
    object's children by name (a module's attributes, a list's items as "0", "1", ...), in TF's
    order: a module's as they were set, a dict's in its order, a Checkpoint's keyword
    arguments by name.

    >>> class Net(wb.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.w = wb.Variable(1.0)
    ...         self.layers = [wb.Variable(2.0)]
    >>> view = wb.train.TrackableView(Net())
    >>> list(view.children(view.root))
    ['w', 'layers']
    >>> len(view.descendants())   # the Net, its list, and the two variables
    4
    """

    def __init__(self, root):
        self._root = root

    @property
    def root(self):
        return self._root

    @classmethod
    def children(cls, obj, save_type="checkpoint", **kwargs):
        """``{name: child}`` for the objects directly below ``obj``."""
        if isinstance(obj, dict):
            return {str(k): v for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return {str(i): v for i, v in enumerate(obj)}
        found = obj._trackable_children() if hasattr(obj, "_trackable_children") else {}
        found = dict(found.items() if isinstance(found, dict) else found)
        if isinstance(obj, Module) and type(obj)._trackable_children is Module._trackable_children:
            set_at = {k: i for i, k in enumerate(vars(obj))}   # a module's attributes as they were set
            found = dict(sorted(found.items(), key=lambda item: set_at.get(item[0], len(set_at))))
        return found

    def descendants(self):
        """The root and every object below it, each once, breadth first."""
        seen, order, queue = {id(self._root)}, [self._root], [self._root]
        while queue:
            obj = queue.pop(0)
            for child in self.children(obj).values():
                if id(child) not in seen:
                    seen.add(id(child))
                    order.append(child)
                    queue.append(child)
        return order


class CheckpointView:
    """TF's ``tf.train.CheckpointView``: the object graph of a saved checkpoint, read from the
    paths of its values. Node 0 is the checkpoint's root; the other nodes are numbered breadth
    first, each node's children by name (TF numbers them in the order the objects were set,
    so the ids can differ from TF's for the same objects). Slot variables are not nodes. A
    ``Checkpoint(root)`` saves ``root`` as its child "root" (node 0 is the checkpoint, where
    TF makes it ``root`` itself): match such a checkpoint with ``match(Checkpoint(other))``.

    >>> ckpt = wb.train.Checkpoint(step=wb.Variable(1), net=wb.Module())
    >>> ckpt.net.w = wb.Variable(2.0)
    >>> view = wb.train.CheckpointView(ckpt.write("/tmp/wb_view_ckpt"))
    >>> view.children(0)
    {'net': 1, 'step': 2}
    >>> view.children(1)
    {'w': 3}
    """

    def __init__(self, save_path):
        tree = {}
        for key, _ in list_variables(save_path):
            if key == "_CHECKPOINTABLE_OBJECT_GRAPH":   # TF's graph key, listed as TF lists it
                continue
            node = tree
            for part in key.split("/"):
                if part.startswith("."):     # .ATTRIBUTES/VARIABLE_VALUE, .OPTIMIZER_SLOT/...
                    break
                node = node.setdefault(part, {})
        self._children = []
        queue = [tree]
        while queue:    # breadth first, by name
            node = queue.pop(0)
            ids = {}
            for name in sorted(node):
                ids[name] = len(self._children) + len(queue) + 1
                queue.append(node[name])
            self._children.append(ids)

    def children(self, node_id):
        """``{name: node_id}`` of the nodes directly below ``node_id``."""
        if not isinstance(node_id, int) or not 0 <= node_id < len(self._children):
            raise ValueError(f"CheckpointView.children: node_id must be an int in [0, {len(self._children)}), "
                             f"got {node_id!r}")
        return dict(self._children[node_id])

    def descendants(self):
        """Every node id, breadth first from the root (0)."""
        return list(range(len(self._children)))

    def match(self, obj):
        """``{node_id: object}`` for the objects of ``obj``'s graph (as :class:`TrackableView`
        sees it) at the checkpoint's nodes of the same names, from the root down."""
        found, queue = {0: obj}, [(0, obj)]
        while queue:
            node_id, value = queue.pop(0)
            below = TrackableView.children(value)
            for name, child_id in self._children[node_id].items():
                if name in below and child_id not in found:
                    found[child_id] = below[name]
                    queue.append((child_id, below[name]))
        return dict(sorted(found.items()))

    def diff(self, obj):
        """``(overlapping, only_in_checkpoint, only_in_trackable)``: :meth:`match`'s
        ``{node_id: object}``, the node ids nothing of ``obj`` matched, and the objects of
        ``obj``'s graph (breadth first) that match no node (TF's ``CheckpointView.diff``)."""
        overlapping = self.match(obj)
        matched = {id(v) for v in overlapping.values()}
        only_in_checkpoint = [n for n in self.descendants() if n not in overlapping]
        only_in_trackable = [t for t in TrackableView(obj).descendants() if id(t) not in matched]
        return overlapping, only_in_checkpoint, only_in_trackable


def load_variable(ckpt_dir_or_file, name):
    """The saved value (a NumPy array) of variable ``name`` (a trailing ``:0`` is dropped, as
    TF) in a checkpoint prefix or the newest checkpoint of a folder."""
    if not isinstance(name, str):
        raise TypeError(f"load_variable: name must be a string, got {type(name).__name__}")
    if name.endswith(":0"):
        name = name[:-2]
    return load_checkpoint(ckpt_dir_or_file).get_tensor(name)


class CheckpointState:
    """What a folder's checkpoint record says (TF's ``CheckpointState`` fields): the newest
    checkpoint's prefix, every kept prefix (oldest first) and their timestamps."""

    def __init__(self, model_checkpoint_path, all_model_checkpoint_paths, all_model_checkpoint_timestamps,
                 last_preserved_timestamp):
        self.model_checkpoint_path = model_checkpoint_path
        self.all_model_checkpoint_paths = list(all_model_checkpoint_paths)
        self.all_model_checkpoint_timestamps = list(all_model_checkpoint_timestamps)
        self.last_preserved_timestamp = last_preserved_timestamp

    def __repr__(self):
        return (f"CheckpointState(model_checkpoint_path={self.model_checkpoint_path!r}, "
                f"all_model_checkpoint_paths={self.all_model_checkpoint_paths!r})")


def get_checkpoint_state(checkpoint_dir, latest_filename=None):
    """The :class:`CheckpointState` of the checkpoints a ``CheckpointManager`` recorded in
    ``checkpoint_dir`` (or, without a record, those found there), or None when there are none."""
    import os  # noqa: PLC0415
    from .checkpoint.manager import _read_state, _scan  # noqa: PLC0415
    directory = os.fspath(checkpoint_dir)
    state = _read_state(directory)
    if state is not None:
        names, stamps = list(state["checkpoints"]), list(state["timestamps"])
        latest = state.get("latest") or (names[-1] if names else None)
        preserved = float(state.get("last_preserved_timestamp") or 0.0)
    else:
        names = _scan(directory)
        stamps, latest, preserved = [0.0] * len(names), (names[-1] if names else None), 0.0
    if latest is None:
        return None
    return CheckpointState(os.path.join(directory, latest), [os.path.join(directory, n) for n in names],
                           stamps, preserved)


def checkpoints_iterator(checkpoint_dir, min_interval_secs=0, timeout=None, timeout_fn=None):
    """Yield each new newest checkpoint prefix of ``checkpoint_dir`` as it appears (polling
    once a second), at most one per ``min_interval_secs``. After ``timeout`` seconds with no new
    checkpoint it stops, unless ``timeout_fn`` is given and returns False (then it waits again);
    with ``timeout=None`` it waits for ever, as TF."""
    import time  # noqa: PLC0415
    last = None
    while True:
        stop = None if timeout is None else time.time() + timeout
        while True:
            found = latest_checkpoint(checkpoint_dir)
            if found is not None and found != last:
                break
            if stop is not None and time.time() + 1.0 > stop:
                found = None
                break
            time.sleep(1.0)
        if found is None:
            if timeout_fn is None or timeout_fn():
                return
            continue
        start = time.time()
        last = found
        yield found
        wait = start + min_interval_secs - time.time()
        if wait > 0:
            time.sleep(wait)


class ExponentialMovingAverage:
    """TF's ``tf.train.ExponentialMovingAverage``: ``apply(var_list)`` keeps one shadow variable per
    variable, created (not trainable) with the variable's value and moved on every ``apply`` by
    ``shadow -= (1 - decay) * (shadow - variable)``.

    With ``num_updates`` (a number or a variable, e.g. the step) the decay used is
    ``min(decay, (1 + num_updates) / (10 + num_updates))``, so early averages move fast.
    ``decay`` may be a variable. ``zero_debias`` concerns averages of tensors, which eager
    execution refuses (as TF does), so it changes nothing here.

    >>> w = wb.Variable(1.0, name="w")
    >>> ema = wb.train.ExponentialMovingAverage(0.9)
    >>> ema.apply([w]); _ = w.assign(2.0); ema.apply([w])
    >>> float(ema.average(w).numpy()), ema.average_name(w)
    (1.1, 'w/ExponentialMovingAverage')
    """

    def __init__(self, decay, num_updates=None, zero_debias=False, name="ExponentialMovingAverage"):
        self._decay = decay
        self._num_updates = num_updates
        self._zero_debias = zero_debias
        self._name = name
        self._averages = {}

    @property
    def name(self):
        return self._name

    def _decay_now(self, dtype):
        from .ops.elementwise import cast, minimum  # noqa: PLC0415
        decay = cast(self._decay, dtype)   # a number, a tensor or a variable
        if self._num_updates is not None:
            n = cast(self._num_updates, dtype)
            decay = minimum(decay, (1.0 + n) / (10.0 + n))
        return decay

    def apply(self, var_list=None):
        """Create the shadow variables of ``var_list`` not yet seen, then move every average one
        step toward its variable's value. Returns None (TF's eager result)."""
        from . import core  # noqa: PLC0415
        from .ops.elementwise import cast  # noqa: PLC0415
        var_list = list(var_list) if var_list is not None else []
        for var in var_list:
            if not isinstance(var, core.Variable):
                raise TypeError("tf.train.ExponentialMovingAverage does not support non-Variable tensors when "
                                "eager execution is enabled.")
            if var.dtype.name not in ("float16", "bfloat16", "float32", "float64"):
                raise TypeError(f"The variables must be half, float, or double: {var.name}")
        for var in var_list:
            key = var.ref()
            if key not in self._averages:
                self._averages[key] = core.Variable(var.read_value(), trainable=False,
                                                    name=self.average_name(var))
        for var in dict.fromkeys(v.ref() for v in var_list):
            var = var.deref()
            shadow = self._averages[var.ref()]
            compute = "float32" if var.dtype.name in ("float16", "bfloat16") else var.dtype
            decay = self._decay_now(compute)
            s = cast(shadow, compute)
            shadow.assign(cast(s - (1.0 - decay) * (s - cast(var, compute)), var.dtype))
        return None

    def average(self, var):
        """The shadow variable of ``var``, or None if ``apply`` has not seen it."""
        return self._averages.get(var.ref())

    def average_name(self, var):
        """``var``'s name (without ``:0``) followed by ``/`` and this object's name."""
        return var.name.split(":")[0] + "/" + self._name

    def variables_to_restore(self, moving_avg_variables=None):
        """``{average name: variable}`` for restoring averages into the variables (TF's map): every
        average this object keeps, plus ``moving_avg_variables`` given by name."""
        out = {}
        for key in self._averages:
            var = key.deref()
            out[self.average_name(var)] = var
        for var in moving_avg_variables or ():
            out.setdefault(self.average_name(var), var)
        return out


def __getattr__(name):
    if name == "ClusterSpec":   # the distribute package's, loaded on first use
        from .distribute.cluster import ClusterSpec  # noqa: PLC0415
        globals()[name] = ClusterSpec
        return ClusterSpec
    if name in _EXAMPLE:   # the protobuf messages load on first use
        from . import io  # noqa: PLC0415
        value = getattr(io, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'workbench.train' has no attribute {name!r}")
