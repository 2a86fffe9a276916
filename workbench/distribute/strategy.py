"""TF 2's distribution strategies over one :class:`~.collectives.Collectives` engine.

A strategy holds this process's replica (one per process: the CPU or one GPU; or, for a
``MirroredStrategy`` over logical CPU devices, one per device, taking turns on threads) and the
collectives that join it to the other processes. ``strategy.scope()`` makes it current: variables
created inside start from rank 0's values (broadcast), optimizers sum gradients across
replicas in ``apply_gradients``, and ``wb.nn.compute_average_loss`` divides by the global
batch. ``strategy.run`` calls the step function on the local replica; ``reduce``/``gather``
combine its results across replicas (recorded as steps when traced by ``wb.function``).
Inside ``run`` (and ``Model.fit``'s train step) the gradient sums start during
``tape.gradient``'s reverse walk, bucket by bucket (``overlap.GradientReducer``), and
``apply_gradients`` waits for them.
"""

from __future__ import annotations

import contextlib
import enum
import json
import os
import threading
import weakref

import numpy as np

from gradients.walk import listening

from .. import backend, config, core, nest
from ..core import Tensor, convert_to_tensor, wrap
from ..errors import argcheck
from ..ops.shape import identity
from .cluster import ClusterSpec
from .collectives import DEFAULT_BUCKET_BYTES, Collectives, LocalCollectives
from .cross_device_ops import CrossDeviceOps
from .launch import process_count
from .overlap import GradientReducer
from .replicas import ReplicaThreads, current as current_replica_thread
from .input import DistributedDataset, DistributedDatasetsFromFunction
from .values import PerReplica, ReduceOp, as_reduce_op, regroup


class ClusterResolver:
    """Where this worker sits in the cluster (TF's ``cluster_resolver`` of a
    ``MultiWorkerMirroredStrategy``): ``task_type`` (``"worker"``), ``task_id`` (this process's
    rank; worker 0 is the chief) and ``num_workers``. A worker alone has no cluster: ``task_type``
    and ``task_id`` are None and ``cluster_spec()`` is empty, as TF's ``TFConfigClusterResolver``
    without a ``TF_CONFIG``."""

    def __init__(self, task_id=None, num_workers=1, task_type=None):
        self.task_type = task_type
        self.task_id = None if task_id is None else int(task_id)
        self.num_workers = int(num_workers)
        self.rpc_layer = "mpi" if num_workers > 1 else None

    def cluster_spec(self):
        """The cluster's tasks as a ``wb.train.ClusterSpec`` (an MPI job's ranks as addresses;
        empty for a worker alone)."""
        if self.task_type is None:
            return ClusterSpec({})
        return ClusterSpec({self.task_type: [f"rank:{i}" for i in range(self.num_workers)]})

    def __repr__(self):
        return f"ClusterResolver(task_type={self.task_type!r}, task_id={self.task_id}, num_workers={self.num_workers})"


class CommunicationImplementation(enum.Enum):
    """Which collectives join the workers (TF's
    ``tf.distribute.experimental.CommunicationImplementation``): ``AUTO``, ``RING`` (MPI here) or
    ``NCCL``."""

    AUTO = "AUTO"
    RING = "RING"
    NCCL = "NCCL"


CollectiveCommunication = CommunicationImplementation


class CommunicationOptions:
    """Options of the cross-worker collectives (TF's ``tf.distribute.experimental.CommunicationOptions``).

    Args:
        bytes_per_pack: the size of a fused all-reduce bucket (0: the default, 16 MiB).
        timeout_seconds: how long a collective may wait for the other ranks before
            ``DeadlineExceededError`` names the ones missing (None: ``WORKBENCH_COLLECTIVE_TIMEOUT``
            or 300 s).
        implementation: ``"AUTO"``, ``"RING"`` (MPI) or ``"NCCL"`` (device arrays over NCCL).
    """

    def __init__(self, bytes_per_pack=0, timeout_seconds=None, implementation="AUTO"):
        where = "CommunicationOptions"
        self.bytes_per_pack = argcheck.integer(bytes_per_pack, "bytes_per_pack", where, 0)
        if timeout_seconds is not None:
            timeout_seconds = argcheck.number(timeout_seconds, "timeout_seconds", where)
            if timeout_seconds <= 0:
                raise ValueError(f"{where}: timeout_seconds must be positive, got {timeout_seconds}")
        self.timeout_seconds = timeout_seconds
        impl = str(getattr(implementation, "name", implementation)).upper()
        if impl not in ("AUTO", "RING", "NCCL"):
            raise ValueError(f"{where}: implementation must be AUTO, RING or NCCL, got {implementation!r}")
        self.implementation = CommunicationImplementation[impl]


class StrategyExtended:
    """What a strategy tells the code around the step (TF's ``strategy.extended``): which
    worker checkpoints, writes summaries and initializes."""

    def __init__(self, strategy):
        self._strategy = strategy

    @property
    def should_checkpoint(self) -> bool:
        return self._strategy._worker_index == 0

    @property
    def should_save_summary(self) -> bool:
        return self._strategy._worker_index == 0

    @property
    def should_init(self) -> bool:
        return True

    @property
    def experimental_between_graph(self) -> bool:
        return self._strategy._num_workers > 1

    @property
    def worker_devices(self):
        """TF's full names of the devices this worker's replicas run on (a tuple; a list for a
        CentralStorageStrategy, as TF's)."""
        if isinstance(self._strategy, _DefaultStrategy):
            raise RuntimeError("worker_devices() method unsupported by default tf.distribute.Strategy.")
        names = getattr(self._strategy, "_replica_devices", None)
        names = names or [_LOCAL_JOB + _tf_device_name(str(self._strategy._device), "worker_devices")]
        return list(names) if isinstance(self._strategy, CentralStorageStrategy) else tuple(names)

    @property
    def parameter_devices(self) -> tuple:
        """TF's full names of the devices that hold the variables."""
        central = getattr(self._strategy, "_parameter_device", None)
        return (central,) if central else self.worker_devices

    @property
    def experimental_require_static_shapes(self) -> bool:
        """False: replicas may see batches of different shapes (TF: True only for TPUs)."""
        return False

    def variable_created_in_scope(self, v) -> bool:
        """Whether variable ``v`` was created under this strategy's ``scope()`` (for the default
        strategy: under no strategy's scope), as TF's."""
        if not isinstance(v, core.Variable):
            raise TypeError(f"variable_created_in_scope: v must be a variable, got {argcheck.describe(v)}")
        entry = _CREATED_BY.get(id(v))
        maker = entry[1]() if entry is not None and entry[0]() is v else None
        if isinstance(self._strategy, _DefaultStrategy):
            return maker is None
        return maker is self._strategy

    def value_container(self, value):
        """The container of ``value``: ``value`` itself (a variable here holds its replicas)."""
        return value

    @contextlib.contextmanager
    def colocate_vars_with(self, colocate_with_variable):
        """Place the variables created inside beside ``colocate_with_variable`` (TF's); needs this
        strategy's scope. Each variable here lives on the strategy's one device already."""
        if not isinstance(colocate_with_variable, core.Variable):
            raise TypeError(f"colocate_vars_with: colocate_with_variable must be a variable, got "
                            f"{argcheck.describe(colocate_with_variable)}")
        if not isinstance(self._strategy, _DefaultStrategy) and core.distribution() is not self._strategy:
            raise RuntimeError(f'colocate_vars_with: need to be inside "with strategy.scope()" for {self._strategy!r}')
        yield

    def update(self, var, fn, args=(), kwargs=None, group=True):
        """``fn(var, *args, **kwargs)`` in the cross-replica context (TF's): an update of a
        mirrored variable. ``group=False`` gives the per-device results as a tuple (the
        default strategy: the result itself)."""
        if not callable(fn):
            raise TypeError(f"update: fn must be callable, got {fn!r}")
        with self._strategy.scope():
            result = fn(var, *tuple(args), **(kwargs or {}))
        if group or isinstance(self._strategy, _DefaultStrategy):
            return result
        return (result,)

    def reduce_to(self, reduce_op, value, destinations, options=None):
        """``value`` combined across replicas (``SUM`` or ``MEAN``) for ``destinations``. A value
        that is not per-replica is the same on every replica: ``MEAN`` returns it, and ``SUM``
        is refused over several replicas, as TF."""
        op = as_reduce_op(reduce_op, "reduce_to")
        if not isinstance(value, PerReplica):
            if op is ReduceOp.MEAN or self._strategy.num_replicas_in_sync == 1:
                return convert_to_tensor(value)
            raise ValueError(f"reduce_to: a value that is not per-replica ({argcheck.describe(value)}) cannot "
                             f"be reduced with {op.name} over {self._strategy.num_replicas_in_sync} replicas")
        return self._strategy.reduce(op, value, axis=None)

    def batch_reduce_to(self, reduce_op, value_destination_pairs, options=None):
        """``reduce_to`` for each ``(value, destinations)`` pair; a list."""
        return [self.reduce_to(reduce_op, value, dest, options) for value, dest in value_destination_pairs]


# id(variable) -> (weak reference to it, weak reference to the strategy whose scope made it)
_CREATED_BY: dict = {}


def _record_creation(var, strategy):
    key = id(var)
    _CREATED_BY[key] = (weakref.ref(var, lambda _, k=key: _CREATED_BY.pop(k, None)), weakref.ref(strategy))


class ReplicaContext:
    """The context of one replica inside ``strategy.run`` (TF's ``tf.distribute.ReplicaContext``)."""

    def __init__(self, strategy, replica_id):
        self.strategy = strategy
        self._replica_id = replica_id

    @property
    def num_replicas_in_sync(self) -> int:
        return self.strategy.num_replicas_in_sync

    @property
    def replica_id_in_sync_group(self) -> Tensor:
        if self.strategy._num_local_replicas > 1:   # read when it runs: a wb.function traced on one
            return _replica_id_now(self.strategy)  # replica and replayed on another gives the other's
        return convert_to_tensor(np.int32(self._replica_id))

    def all_reduce(self, reduce_op, value, options=None):
        """``value`` (a nest of tensors) summed or averaged over all replicas."""
        op = as_reduce_op(reduce_op, "ReplicaContext.all_reduce")
        value = nest.map_structure(convert_to_tensor, value)
        if self.strategy._num_local_replicas > 1:   # each replica its own tensor of the result, as TF's
            return nest.map_structure(identity, self.merge_call(_merged_all_reduce, args=(op, value)))
        return nest.map_structure(lambda v: self.strategy._all_reduce(v, op), value)

    def all_gather(self, value, axis, options=None):
        """``value`` (a nest of tensors) of every replica concatenated along ``axis`` in replica
        order (TF's); a scalar stays as it is."""
        axis = argcheck.integer(axis, "axis", "ReplicaContext.all_gather")
        value = nest.map_structure(convert_to_tensor, value)
        if self.strategy._num_local_replicas > 1:   # each replica its own tensor of the result, as TF's
            return nest.map_structure(identity, self.merge_call(_merged_all_gather, args=(axis, value)))
        return nest.map_structure(lambda v: v if v.ndim == 0 else self.strategy._gather_one(v, axis), value)

    def merge_call(self, merge_fn, args=(), kwargs=None):
        """``merge_fn(strategy, *args, **kwargs)`` called once in the cross-replica context, with
        each argument that differs between the replicas as a :class:`PerReplica` of their values
        (TF's); every replica gets its result (its own component of a per-replica result)."""
        if not callable(merge_fn):
            raise TypeError(f"merge_call: merge_fn must be callable, got {argcheck.describe(merge_fn)}")
        on_thread = current_replica_thread()
        if on_thread is not None and self.strategy._num_local_replicas > 1:
            runner, rep = on_thread
            _enter_replica(self.strategy, None)
            try:
                return runner.merge_call(rep, merge_fn, (self.strategy,) + tuple(args), kwargs or {})
            finally:
                _enter_replica(self.strategy, self)
        return merge_fn(self.strategy, *args, **(kwargs or {}))


@core.effect
def _replica_id_now(strategy):
    replica = strategy.current_replica_id()
    return convert_to_tensor(np.int32(0 if replica is None else replica))


def _apply_summed(strategy, apply, pairs, name):
    apply = apply.values[0] if isinstance(apply, PerReplica) else apply   # each replica's bound method
    name = name.values[0] if isinstance(name, PerReplica) else name
    ops, summed = strategy._cross_ops(), []
    for g, v in pairs:
        if isinstance(g, PerReplica):
            if any(x is None for x in g.values):
                raise ValueError(f"apply_gradients: variable {getattr(v, 'name', v)!r} has a gradient on some "
                                 "replicas and None on others")
            g = ops.reduce(ReduceOp.SUM, PerReplica([x.dense() if hasattr(x, "dense") else x for x in g.values]),
                           destinations=v)
        summed.append((g, v))
    return apply(summed, name, True)


def _merged_all_gather(strategy, axis, value):
    def one(v):
        first = v.values[0] if isinstance(v, PerReplica) else v
        return v if first.ndim == 0 else strategy._gather_one(v, axis)
    return nest.map_structure(one, value)


def _merged_all_reduce(strategy, op, value):
    return nest.map_structure(lambda v: strategy._reduce_one(op, v, None), value)


class Strategy:
    """The base of the strategies: one replica in this process, joined to the other processes'
    replicas by ``collectives``, placed on ``device``."""

    # what a variable made in the scope without ``synchronization`` reports: TF's mirroring
    # strategies sync on write; the others keep AUTO
    _auto_synchronization = None

    def __init__(self, collectives: Collectives, device=None, cluster_resolver=None):
        self._collectives = collectives
        self._device = backend.Device(device) if device is not None else backend.default_device()
        self._num_workers = collectives.size
        self._worker_index = collectives.rank
        self._num_local_replicas = 1
        self._first_local_replica = collectives.rank
        self._local = threading.local()
        self.extended = StrategyExtended(self)
        # TF's: None but for a MultiWorkerMirroredStrategy
        self.cluster_resolver = cluster_resolver
        # sums gradients bucket by bucket while tape.gradient walks back (inside run)
        self._reducer = GradientReducer(collectives) if collectives.size > 1 else None
        self._mirrored = []   # weak references to the variables made in the scope (several local replicas)
        self._on_read_copies = {}   # their ON_READ variables' copies per replica (see _mirror_begin)

    @property
    def gradient_reducer(self):
        """The :class:`~.overlap.GradientReducer` that starts summing gradients across processes
        while ``tape.gradient`` walks back, bucket by bucket (the listener :meth:`run` installs
        with ``gradients.walk.listening``; ``Model.fit`` installs it around its train step);
        None when there is nothing to sum (one replica)."""
        return self._reducer

    # -- the replicas -------------------------------------------------------------------
    @property
    def num_replicas_in_sync(self) -> int:
        return self._num_workers * self._num_local_replicas

    @contextlib.contextmanager
    def scope(self):
        """Make this strategy current: variables made inside are mirrored, optimizers sum
        gradients across replicas, tensors are placed on the strategy's device."""
        prev = core.set_distribution(self)
        try:
            with backend.device(str(self._device)):
                yield self
        finally:
            core.set_distribution(prev)

    def on_variable_created(self, var):
        """Called by the core for every Variable made under :meth:`scope`: rank 0's initial
        value replaces the others' (mirrored variables start equal). A variable left to
        ``VariableSynchronization.AUTO`` reports the strategy's choice (TF's mirroring
        strategies: ``ON_WRITE``)."""
        _record_creation(var, self)
        if self._auto_synchronization is not None and var._sync == core.VariableSynchronization.AUTO:
            var._sync = self._auto_synchronization
        if self._num_workers > 1:
            self._collectives.broadcast(var._data, root=0)
        if self._num_local_replicas > 1:
            self._mirrored.append(weakref.ref(var))
            made = getattr(self._local, "made", None)
            if made is not None:   # inside run: the k-th variable each replica makes is one mirrored
                r, firsts = made   # variable in TF, with replica 0's initial value
                if r == 0:
                    firsts.append(backend.xp_of(var._data).array(var._data, copy=True))
                else:
                    k = getattr(self._local, "made_count", 0)
                    self._local.made_count = k + 1
                    if k < len(firsts) and firsts[k].shape == var._data.shape:
                        _copy_into(var, firsts[k])

    def in_cross_replica_context(self) -> bool:
        return getattr(self._local, "replica", None) is None

    def current_replica_id(self):
        """The id (in the sync group) of the replica running now inside :meth:`run`, or None in
        the cross-replica context (how a ``wb.random.Generator`` made in the scope keys each
        replica's stream apart)."""
        replica = getattr(self._local, "replica", None)
        return None if replica is None else replica._replica_id

    def run(self, fn, args=(), kwargs=None, options=None):
        """Call ``fn(*args, **kwargs)`` on the local replica, inside :meth:`scope` and a replica
        context; per-replica arguments give the replica its own component. Returns what ``fn``
        returns (as in TF when a worker holds one replica)."""
        if not callable(fn):
            raise TypeError(f"{type(self).__name__}.run: fn must be callable, got {argcheck.describe(fn)}")
        kwargs = kwargs or {}
        if self._num_local_replicas > 1:
            return self._run_replicas(fn, tuple(args), dict(kwargs))
        args, kwargs = nest.map_structure(_local_component, (tuple(args), dict(kwargs)))
        reducer = self.gradient_reducer
        with self.scope(), listening(reducer) if reducer is not None else _nothing():
            prev = getattr(self._local, "replica", None)
            self._local.replica = ReplicaContext(self, self._first_local_replica)
            try:
                return fn(*args, **kwargs)
            finally:
                self._local.replica = prev

    def _run_replicas(self, fn, args, kwargs):
        """``fn`` once per local replica, each on a thread of its own in its replica context
        with its component of per-replica arguments, one at a time in replica order up to its
        next merge call (:mod:`.replicas`); a :class:`PerReplica` of the results (nest by nest).
        The variables made in the scope are mirrored: between merge calls every replica starts
        from the same values; afterwards a variable holds replica 0's (TF's primary copy), or,
        for aggregation ``SUM``/``MEAN`` (a metric's totals), the start plus the sum/mean of the
        replicas' changes, as TF combines the updates of a synchronized variable."""
        n = self._num_local_replicas
        for leaf in nest.flatten((args, kwargs)):
            if isinstance(leaf, PerReplica) and len(leaf.values) != n:
                raise ValueError(f"{type(self).__name__}.run: a per-replica argument has {len(leaf.values)} "
                                 f"components; the strategy has {n} replicas")
        firsts, current = [], []

        def body(r):
            context = ReplicaContext(self, r)
            with self.scope():
                _enter_replica(self, context)
                self._local.made, self._local.made_count = (r, firsts), 0
                try:
                    a, k = nest.map_structure(lambda v: v.values[r] if isinstance(v, PerReplica) else v,
                                              (args, kwargs))
                    return fn(*a, **k)
                finally:
                    self._local.made = None
                    _enter_replica(self, None)

        def begin():
            live = [v for v in (ref() for ref in self._mirrored) if v is not None]
            self._mirrored = [weakref.ref(v) for v in live]
            current[:] = live
            _mirror_begin(current, self._on_read_copies, n)

        with self.scope():
            results = ReplicaThreads(n, body, lambda r: _mirror_next(current), begin,
                                     lambda: _mirror_end(current)).run()
        return regroup(results)

    def experimental_local_results(self, value) -> tuple:
        """The components of ``value`` held by this worker's replicas, as a tuple."""
        if isinstance(value, PerReplica):
            return value.values
        return (value,)

    # -- combining across replicas ---------------------------------------------------------
    def reduce(self, reduce_op, value, axis=None):
        """``value`` (a tensor or per-replica value, or a nest of them) combined across all
        replicas: ``SUM`` adds, ``MEAN`` averages. With ``axis``, each replica first reduces
        along it, and ``MEAN`` divides by the total length of that axis over the replicas."""
        op = as_reduce_op(reduce_op, f"{type(self).__name__}.reduce")
        return nest.map_structure(lambda v: self._reduce_one(op, v, axis), value)

    def _reduce_one(self, op, value, axis):
        parts = [convert_to_tensor(v) for v in self.experimental_local_results(value)]
        if axis is None:
            total = parts[0]
            for p in parts[1:]:
                total = total + p
            return self._all_reduce(total, op)
        axis = argcheck.integer(axis, "axis", f"{type(self).__name__}.reduce")
        for p in parts:
            if not -p.ndim <= axis < p.ndim:
                raise ValueError(f"{type(self).__name__}.reduce: axis {axis} is out of range for a value "
                                 f"of shape {p.shape}")
        xp = backend.xp_of(parts[0]._data)
        sums = sum(xp.sum(p._data, axis=axis) for p in parts)
        if op is ReduceOp.SUM:
            return self._all_reduce(wrap(xp.asarray(sums)), ReduceOp.SUM)
        count = sum(p.shape[axis] for p in parts)
        return self._mean_over(wrap(xp.asarray(sums)), wrap(xp.asarray(np.float64(count))))

    def _refuse_in_replica(self, what, anywhere=False):
        """Over several replicas of this process a replica reaches the others' values only
        through ``ReplicaContext.merge_call`` (``all_reduce``, ``optimizer.apply_gradients``):
        a strategy-level collective called inside :meth:`run` is refused; ``anywhere``: outside
        ``run`` too (the gradients of one replica cannot stand for all of them)."""
        if self._num_local_replicas > 1 and (anywhere or not self.in_cross_replica_context()):
            where = "inside strategy.run" if not self.in_cross_replica_context() else "outside strategy.run"
            raise NotImplementedError(
                f"{type(self).__name__}: {what} {where} is not supported over {self._num_local_replicas} "
                "logical devices of one process; inside run use wb.distribute.get_replica_context()"
                ".all_reduce or optimizer.apply_gradients (each replica's gradients, summed once all "
                "replicas call it), outside run strategy.reduce of run's per-replica results")

    @core.effect
    def _all_reduce(self, tensor, op):
        """``tensor`` summed (or averaged) across workers: one step in a ``wb.function`` trace."""
        self._refuse_in_replica(f"all_reduce ({op.name})")
        arr = tensor._data
        out = self._collectives.all_reduce([arr], f"reduce ({op.name})")[0]
        if op is ReduceOp.MEAN:
            out = _divide(out, self.num_replicas_in_sync)
        return wrap(out)

    @core.effect
    def _mean_over(self, sums, count):
        total, n = self._collectives.all_reduce([sums._data, count._data], "reduce (MEAN along axis)")
        return wrap(_divide(total, n))

    def gather(self, value, axis):
        """Every replica's ``value`` concatenated along ``axis`` in replica order (lengths along
        ``axis`` may differ between replicas)."""
        axis = argcheck.integer(axis, "axis", f"{type(self).__name__}.gather")
        return nest.map_structure(lambda v: self._gather_one(v, axis), value)

    def _gather_one(self, value, axis):
        parts = [convert_to_tensor(v) for v in self.experimental_local_results(value)]
        nd = parts[0].ndim
        if not -nd <= axis < max(nd, 1) or nd == 0:
            raise ValueError(f"{type(self).__name__}.gather: axis {axis} is out of range for a value of "
                             f"shape {parts[0].shape}")
        xp = backend.xp_of(parts[0]._data)
        local = xp.concatenate([p._data for p in parts], axis=axis) if len(parts) > 1 else parts[0]._data
        return self._all_gather(wrap(local), axis % nd)

    @core.effect
    def _all_gather(self, tensor, axis):
        xp = backend.xp_of(tensor._data)
        moved = xp.moveaxis(tensor._data, axis, 0)
        return wrap(xp.ascontiguousarray(xp.moveaxis(self._collectives.all_gather(moved), 0, axis)))

    @property
    def merges_in_replica(self) -> bool:
        """Whether this thread is a replica of several in this process, inside :meth:`run`:
        there ``optimizer.apply_gradients`` is :meth:`merged_apply_gradients`."""
        return (self._num_local_replicas > 1 and not self.in_cross_replica_context()
                and current_replica_thread() is not None)

    def merged_apply_gradients(self, apply, grads_and_vars, name=None):
        """``optimizer.apply_gradients`` on a replica of several in this process (TF's
        ``merge_call``): once every replica has called it, ``apply(pairs, name, True)`` runs once
        in the cross-replica context with each variable's gradients summed over the replicas
        by the strategy's cross-device ops; every replica gets its result."""
        return get_replica_context().merge_call(_apply_summed, args=(apply, list(grads_and_vars), name))

    def _cross_ops(self):
        return getattr(self, "_cross_device_ops", None) or CrossDeviceOps()

    def all_reduce_gradients(self, arrays) -> list:
        """The optimizer's hook: gradient arrays summed across replicas (fused buckets). Arrays
        that ``tape.gradient`` handed out inside :meth:`run` are already being summed, bucket
        by bucket, since the reverse walk finished each bucket: their sums are awaited."""
        if self.num_replicas_in_sync == 1:
            return list(arrays)
        self._refuse_in_replica("optimizer.apply_gradients (summing gradients across replicas)", anywhere=True)
        arrays = list(arrays)
        if self._reducer is not None:
            sums = self._reducer.take(arrays)
            if sums is not None:
                return sums
        return self._collectives.all_reduce(arrays, "gradient all_reduce", reuse=True)

    @contextlib.contextmanager
    def summed_state(self, variables, aggregations=None):
        """Inside, each of ``variables`` (a metric's state: totals, counts) holds its combination
        over the workers; on leaving, every variable holds its own worker's value again. How
        ``Model.fit`` reads metrics under a strategy (TF sums a metric's state across replicas
        before ``result()``): one fused all-reduce of every state variable per read.
        ``aggregations`` (one per variable; all ``"sum"`` when None): ``"sum"``, ``"mean"``,
        ``"only_first_replica"`` (the chief's value) or ``"none"`` (left as it is). Every worker
        must enter it with the same variables in the same order."""
        variables = list(variables)
        aggregations = list(aggregations) if aggregations is not None else ["sum"] * len(variables)
        if len(aggregations) != len(variables):
            raise ValueError(f"summed_state: {len(aggregations)} aggregations for {len(variables)} variables")
        shared = [(v, a) for v, a in zip(variables, aggregations) if a != "none"]
        if self._num_workers == 1 or not shared:
            yield variables
            return
        local = [backend.xp_of(v._data).array(v._data, copy=True) for v, _ in shared]
        sends = [x if a != "only_first_replica" or self._worker_index == 0 else backend.xp_of(x).zeros_like(x)
                 for x, (_, a) in zip(local, shared)]
        sums = self._collectives.all_reduce(sends, "metric state all_reduce")
        try:
            for (v, a), total in zip(shared, sums):
                v.assign(_divide(total, self._num_workers) if a == "mean" else total)
            yield variables
        finally:
            for (v, _), mine in zip(shared, local):
                v.assign(mine)

    # -- input ----------------------------------------------------------------------------
    def experimental_distribute_dataset(self, dataset, options=None):
        """``dataset`` (of global batches) as this worker's per-replica batches."""
        if not hasattr(dataset, "__iter__"):
            raise TypeError(f"{type(self).__name__}.experimental_distribute_dataset: expected a "
                            f"wb.data.Dataset, got {argcheck.describe(dataset)}")
        return DistributedDataset(dataset, self)

    def distribute_datasets_from_function(self, dataset_fn, options=None):
        """The dataset ``dataset_fn(input_context)`` builds on this worker (it shards and batches
        with ``input_context``)."""
        return DistributedDatasetsFromFunction(dataset_fn, self)

    def experimental_distribute_values_from_function(self, value_fn):
        """``value_fn(ValueContext)`` for the local replica (a :class:`PerReplica` of one value per
        replica when this process holds several)."""
        n = self.num_replicas_in_sync
        if self._num_local_replicas > 1:
            return PerReplica([value_fn(ValueContext(self._first_local_replica + i, n))
                               for i in range(self._num_local_replicas)])
        return value_fn(ValueContext(self._first_local_replica, n))

    def barrier(self):
        """Wait until every worker reaches this point (with the collectives' deadline)."""
        self._collectives.barrier()

    def __repr__(self):
        return (f"<wb.distribute.{type(self).__name__} replicas={self.num_replicas_in_sync} "
                f"task_id={self._worker_index} device={self._device}>")


class ValueContext:
    """What ``experimental_distribute_values_from_function`` tells its function."""

    def __init__(self, replica_id_in_sync_group=0, num_replicas_in_sync=1):
        self.replica_id_in_sync_group = replica_id_in_sync_group
        self.num_replicas_in_sync = num_replicas_in_sync


_nothing = contextlib.nullcontext


def _local_component(value):
    return value.values[0] if isinstance(value, PerReplica) else value


# Mirrored variables over replicas that run one after another: steps of a wb.function trace
# (core.effect), so a replay restores the starting values between replicas as the eager run does.
_MIRROR = threading.local()


@core.effect
def _enter_replica(strategy, context):
    """Make ``context`` (a ReplicaContext, or None: cross-replica) the strategy's current one."""
    strategy._local.replica = context


@core.effect
def _mirror_begin(variables, on_read_copies, replicas):
    """A round of turns begins: the values every replica starts from. A variable synchronized
    ``ON_READ`` (a Keras metric's state) has a copy per replica instead, kept in
    ``on_read_copies`` from run to run (id -> [weak ref, copies, value after the last round]);
    a value assigned since, outside run, is shared among them as TF's (divided for ``SUM``)."""
    _MIRROR.start = [backend.xp_of(v._data).array(v._data, copy=True) for v in variables]
    _MIRROR.first = None
    _MIRROR.changes = {}   # index of a SUM/MEAN variable -> the replicas' changes so far
    _MIRROR.replicas = 1
    _MIRROR.on_read = {}   # index of an ON_READ variable -> its entry in on_read_copies
    for i, v in enumerate(variables):
        if not _on_read(v):
            continue
        xp = backend.xp_of(v._data)
        entry = on_read_copies.get(id(v))
        if (entry is None or entry[0]() is not v or entry[2].shape != v._data.shape
                or not bool(xp.array_equal(entry[2], v._data))):
            base = _divide(v._data, replicas) if _combined(v) == "sum" else v._data
            entry = on_read_copies[id(v)] = [weakref.ref(v), [xp.array(base, copy=True) for _ in range(replicas)],
                                             None]
        _MIRROR.on_read[i] = entry
        _copy_into(v, entry[1][0])


def _on_read(var):
    sync = getattr(var, "synchronization", None)
    return str(getattr(sync, "name", sync)).lower() == "on_read"


def _combined(var):
    """``"sum"``/``"mean"`` for a variable whose replicas' updates TF adds/averages, else None."""
    agg = getattr(var, "aggregation", None)
    name = str(getattr(agg, "name", agg)).lower()
    return name if name in ("sum", "mean") else None


def _add_changes(variables):
    for i, (v, start) in enumerate(zip(variables, _MIRROR.start)):
        if i in _MIRROR.on_read:
            _MIRROR.on_read[i][1][_MIRROR.replicas - 1] = backend.xp_of(v._data).array(v._data, copy=True)
        elif _combined(v) is not None and v._data.shape == start.shape:
            change = v._data - start
            _MIRROR.changes[i] = change if i not in _MIRROR.changes else _MIRROR.changes[i] + change


@core.effect
def _mirror_next(variables):
    if _MIRROR.first is None:   # replica 0's values: kept when the last replica is done
        _MIRROR.first = [backend.xp_of(v._data).array(v._data, copy=True) for v in variables]
    _add_changes(variables)
    _MIRROR.replicas += 1
    for i, (v, start) in enumerate(zip(variables, _MIRROR.start)):
        _copy_into(v, _MIRROR.on_read[i][1][_MIRROR.replicas - 1] if i in _MIRROR.on_read else start)


@core.effect
def _mirror_end(variables):
    if _MIRROR.first is not None:
        _add_changes(variables)
        for i, (v, first) in enumerate(zip(variables, _MIRROR.first)):
            how = _combined(v)
            if i in _MIRROR.on_read:   # what a read outside run gives: the copies combined
                entry = _MIRROR.on_read[i]
                copies = entry[1]
                total = copies[0] if how is None else sum(copies[1:], copies[0])
                _copy_into(v, _divide(total, len(copies)) if how == "mean" else total)
                entry[2] = backend.xp_of(v._data).array(v._data, copy=True)
                continue
            if how is None or i not in _MIRROR.changes:
                _copy_into(v, first)
                continue
            change = _MIRROR.changes[i]
            if how == "mean":
                change = _divide(change, _MIRROR.replicas)
            total = _MIRROR.start[i] + change
            _copy_into(v, total.astype(v._data.dtype, copy=False))
    _MIRROR.start = _MIRROR.first = _MIRROR.changes = _MIRROR.on_read = None


def _copy_into(var, array):
    if var._data.shape == array.shape:
        backend.xp_of(var._data).copyto(var._data, array)
    else:
        var.assign(array)


def _divide(array, n):
    xp = backend.xp_of(array)
    if np.dtype(array.dtype).kind in "iub":
        return array // n if np.ndim(n) == 0 else array // n.astype(array.dtype)
    return xp.true_divide(array, xp.asarray(n).astype(array.dtype))


# -- the strategies -----------------------------------------------------------------------

class _DefaultStrategy(Strategy):
    """The strategy in force when none is: one replica, no communication, nothing mirrored."""

    def __init__(self):
        super().__init__(LocalCollectives(), device=None)

    @contextlib.contextmanager
    def scope(self):
        yield self

    def on_variable_created(self, var):
        pass

    def reduce(self, reduce_op, value, axis=None):
        """``value`` as it is (one replica), as TF's default strategy returns it (a Python number
        stays one); with ``axis``, reduced along it."""
        op = as_reduce_op(reduce_op, "reduce")
        if axis is None:
            return value
        return super().reduce(op, value, axis)

    @property
    def _device(self):
        return backend.default_device()

    @_device.setter
    def _device(self, value):
        pass


class OneDeviceStrategy(Strategy):
    """One replica on ``device`` (``"cpu"``, ``"gpu:0"``, TF's ``"/gpu:0"``)."""

    def __init__(self, device):
        super().__init__(LocalCollectives(), device=_device_name(device, "OneDeviceStrategy"))


class MirroredStrategy(Strategy):
    """Synchronous training on the devices of one machine (TF's ``MirroredStrategy``).

    Without GPUs (or with ``devices=["cpu"]``) it is one CPU replica. With one GPU the replica
    runs there and its collectives go through a one-rank NCCL communicator.

    Several CPU devices (the logical devices of ``wb.config.set_logical_device_configuration``,
    as in TF's guides: ``devices=["cpu:0", "cpu:1"]``) give one replica each in this process:
    ``run`` calls ``fn`` once per replica, each on a thread of its own, in its replica context,
    one at a time (:mod:`.replicas`), and returns a :class:`PerReplica`; ``reduce`` and
    ``gather`` sum and concatenate the replicas' results. Inside ``run``,
    ``ReplicaContext.merge_call`` and ``all_reduce`` wait for every replica, and
    ``optimizer.apply_gradients`` updates the variables once with the replicas' gradients
    summed (TF's merge call); ``Model.fit`` trains each replica on its slice of the batch.
    Variables made in the scope are mirrored (every replica starts from the same values), and a
    ``wb.random.Generator`` made in the scope gives each replica its own stream. Several GPUs in
    one process are not run here: start one process per GPU (``workbench run SCRIPT --nproc N``).
    """

    _auto_synchronization = core.VariableSynchronization.ON_WRITE

    def __init__(self, devices=None, cross_device_ops=None):
        if cross_device_ops is not None and not isinstance(cross_device_ops, CrossDeviceOps):
            raise TypeError(f"MirroredStrategy: cross_device_ops must be a wb.distribute.CrossDeviceOps "
                            f"(HierarchicalCopyAllReduce, NcclAllReduce, ReductionToOneDevice) or None, got "
                            f"{argcheck.describe(cross_device_ops)}")
        self._cross_device_ops = cross_device_ops
        gpus = [d for d in backend.list_devices() if d.kind == "gpu"]
        if devices is None or (isinstance(devices, (list, tuple)) and not devices):
            # TF's default (an empty list too, as the GPU guide passes on a machine without GPUs):
            # every GPU, else every logical CPU device
            devices = [str(d) for d in gpus] or [f"cpu:{i}" for i in range(config.logical_cpu_count())]
        if isinstance(devices, str):
            devices = [devices]
        if not isinstance(devices, (list, tuple)):
            raise TypeError(f"MirroredStrategy: devices must be a list of device names, got "
                            f"{argcheck.describe(devices)}")
        names = [_tf_device_name(d, "MirroredStrategy") for d in devices]
        if len(set(names)) != len(names):
            raise ValueError(f"MirroredStrategy: No duplicates allowed in `devices` argument: {tuple(devices)}")
        devices = [_device_name(d, "MirroredStrategy") for d in devices]
        full_names = [_LOCAL_JOB + n for n in names]
        # Without a GPU, replicas named on GPUs run on the CPU (TF's soft placement)
        on_cpu = not gpus or all(backend.Device(d).kind == "cpu" for d in devices)
        if on_cpu:
            available = config.logical_cpu_count()
            missing = [n for n in names if n.startswith("CPU:") and int(n.rsplit(":", 1)[1]) >= available]
            if missing:
                raise ValueError(f"MirroredStrategy: {missing} are not logical devices of this process "
                                 f"(it has {available} CPU device(s)); make them first with "
                                 "wb.config.set_logical_device_configuration(wb.config.list_physical_devices"
                                 "('CPU')[0], [wb.config.LogicalDeviceConfiguration()] * N)")
            super().__init__(LocalCollectives(), device="cpu")
            self._num_local_replicas = len(devices)
            self._first_local_replica = 0
            self._replica_devices = full_names
            return
        if len(devices) > 1:
            raise ValueError(f"MirroredStrategy: {len(devices)} devices in one process ({devices}) are not "
                             "supported; run one process per GPU with MultiWorkerMirroredStrategy "
                             "(`workbench run SCRIPT --nproc N`, or mpiexec)")
        device = backend.Device(devices[0])
        collectives = LocalCollectives()
        if device.kind == "gpu":
            from .nccl import NcclCollectives  # CuPy is imported only when a GPU replica is asked for
            with backend.device(str(device)):
                collectives = NcclCollectives(rank=0, size=1)
        super().__init__(collectives, device=str(device))
        self._replica_devices = full_names


class CentralStorageStrategy(MirroredStrategy):
    """Variables on one device, computation mirrored on ``compute_devices`` (TF's
    ``tf.distribute.experimental.CentralStorageStrategy``). A variable here has one copy either
    way, so it trains as :class:`MirroredStrategy` over ``compute_devices`` (default: every GPU,
    else the CPU); ``parameter_device`` (default: the one GPU, else the CPU) is where TF keeps
    the variables."""

    _auto_synchronization = None

    def __init__(self, compute_devices=None, parameter_device=None):
        if compute_devices is None:
            gpus = [str(d) for d in backend.list_devices() if d.kind == "gpu"]
            compute_devices = gpus or ["cpu:0"]
        super().__init__(devices=compute_devices)
        if parameter_device is None:   # TF's: the one compute device, else the CPU
            one = len(self._replica_devices) == 1
            self._parameter_device = self._replica_devices[0] if one else "/device:CPU:0"
        else:
            self._parameter_device = _LOCAL_JOB + _tf_device_name(parameter_device, "CentralStorageStrategy")


class MultiWorkerMirroredStrategy(Strategy):
    """Synchronous training over processes: one replica per process, the processes of one MPI
    job (``mpiexec -n N``, ``srun --mpi=pmix``, ``workbench run SCRIPT --nproc N``).

    Host arrays are combined over MPI (``mpi4py``); on GPUs each process takes the GPU of its
    local rank and combines device arrays over NCCL, bootstrapped through MPI. Started alone
    (no MPI job), it is one worker.

    TF's ``TF_CONFIG`` (TF's tutorials set it, then start each worker by hand) is read for the
    cluster's size: the MPI job must have one process per worker it names (``chief`` and
    ``worker`` tasks), and each rank is the worker of its rank (the chief rank 0), whatever task
    index ``TF_CONFIG`` gives; a process started alone under a ``TF_CONFIG`` of several workers is
    refused, naming the command that starts them together.

    Args:
        cluster_resolver: ignored unless None (the MPI job says where each worker is).
        communication_options: a :class:`CommunicationOptions` (bucket size, collective timeout,
            ``"NCCL"`` or ``"RING"``).
        collectives: a :class:`~.collectives.Collectives` to use instead of the MPI/NCCL ones.
    """

    _auto_synchronization = core.VariableSynchronization.ON_WRITE

    def __init__(self, cluster_resolver=None, communication_options=None, collectives=None):
        options = communication_options or CommunicationOptions()
        if not isinstance(options, CommunicationOptions):
            raise TypeError("MultiWorkerMirroredStrategy: communication_options must be a "
                            f"wb.distribute.experimental.CommunicationOptions, got {argcheck.describe(options)}")
        bucket = options.bytes_per_pack or DEFAULT_BUCKET_BYTES
        device = None
        if collectives is None:
            workers = _tf_config_workers()
            if workers is not None and workers > 1 and process_count() == 1:
                raise ValueError(
                    f"MultiWorkerMirroredStrategy: TF_CONFIG names a cluster of {workers} workers, but this "
                    "process was started alone; here the workers are the processes of one MPI job: start "
                    f"them together with `mpiexec -n {workers} python SCRIPT` or `workbench run SCRIPT --nproc "
                    f"{workers}` (each rank is the worker of its rank), or unset TF_CONFIG to train alone")
            from .mpi import MPICollectives  # mpi4py is optional: imported only for this strategy
            host = MPICollectives(timeout=options.timeout_seconds, bucket_bytes=bucket)
            if workers is not None and workers != host.size:
                raise ValueError(f"MultiWorkerMirroredStrategy: TF_CONFIG names a cluster of {workers} workers, "
                                 f"but the MPI job has {host.size} processes; start one process per worker")
            collectives = host
            gpus = [d for d in backend.list_devices() if d.kind == "gpu"]
            if gpus and options.implementation is not CommunicationImplementation.RING:
                device = str(gpus[_local_rank(host) % len(gpus)])
                from .nccl import NcclCollectives  # CuPy only when this worker has a GPU
                with backend.device(device):
                    collectives = NcclCollectives(host.rank, host.size, bootstrap=host,
                                                  timeout=host.timeout, bucket_bytes=bucket)
        alone = collectives.size == 1
        resolver = (ClusterResolver() if alone else
                    ClusterResolver(collectives.rank, collectives.size, task_type="worker"))
        super().__init__(collectives, device=device, cluster_resolver=resolver)
        global _workers
        _workers = self


def _tf_config_workers():
    """The number of workers (``chief`` and ``worker`` tasks) TF's ``TF_CONFIG`` names; None
    without one (or one without a cluster)."""
    text = os.environ.get("TF_CONFIG", "").strip()
    if not text:
        return None
    try:
        config_ = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"MultiWorkerMirroredStrategy: TF_CONFIG is not JSON ({exc}): {text[:200]!r}") from None
    cluster = config_.get("cluster") if isinstance(config_, dict) else None
    if not cluster:
        return None
    if not isinstance(cluster, dict) or not all(isinstance(v, list) for v in cluster.values()):
        raise ValueError("MultiWorkerMirroredStrategy: TF_CONFIG's cluster must map task types to lists of "
                         f"addresses, got {cluster!r}")
    return len(cluster.get("chief", [])) + len(cluster.get("worker", [])) or None


def broadcast_from_chief(text):
    """``text`` (a str or None) as rank 0 has it, on every rank of the job (over the collectives
    of the last :class:`MultiWorkerMirroredStrategy` made in this process, else MPI's world);
    ``text`` itself in a process alone. How a resumed run's workers learn its params and the
    checkpoint the chief restored."""
    global _world
    if _workers is not None:
        coll = _workers._collectives
    elif process_count() > 1:   # before any strategy: the job's world, over MPI
        if _world is None:
            from .mpi import MPICollectives  # mpi4py only inside a job of several processes
            _world = MPICollectives()
        coll = _world
    else:
        return text
    if coll.size == 1:
        return text
    data = np.frombuffer(b"" if text is None else text.encode("utf-8"), np.uint8)
    head = np.array([len(data), text is None], np.int64)
    coll.broadcast(head, root=0)
    if head[1]:
        return None
    buf = np.zeros(int(head[0]), np.uint8)
    if coll.rank == 0:
        buf[:] = data
    coll.broadcast(buf, root=0) if len(buf) else None
    return buf.tobytes().decode("utf-8")


_workers = None   # the last MultiWorkerMirroredStrategy made in this process
_world = None     # the job's MPI collectives when none was made yet


def _local_rank(mpi) -> int:
    for key in ("MPI_LOCALRANKID", "OMPI_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID", "PMI_LOCAL_RANK"):
        if os.environ.get(key, "").isdigit():
            return int(os.environ[key])
    hosts = [h for h, _ in mpi.peers]
    return hosts[:mpi.rank].count(hosts[mpi.rank])


_LOCAL_JOB = "/job:localhost/replica:0/task:0/device:"


def _tf_device_name(spec, where):
    """``spec`` as TF's canonical ``CPU:1`` / ``GPU:0`` (the index of a CPU kept)."""
    if not isinstance(spec, str):
        raise TypeError(f"{where}: a device must be a string such as 'cpu:0' or 'gpu:1', got {argcheck.describe(spec)}")
    dev = _device_name(spec, where)
    index = spec.strip().rsplit(":", 1)[-1]
    index = int(index) if index.isdigit() else 0
    return f"{backend.Device(dev).kind.upper()}:{index}"


def _device_name(spec, where):
    try:
        return str(backend.Device(spec))
    except (ValueError, TypeError) as exc:
        raise type(exc)(f"{where}: {exc}") from None


# -- the current strategy -------------------------------------------------------------------

_DEFAULT = _DefaultStrategy()


def get_strategy() -> Strategy:
    """The strategy whose scope (or ``run``) is active, else the default strategy."""
    active = core.distribution()
    return active if isinstance(active, Strategy) else _DEFAULT


def has_strategy() -> bool:
    """Whether a strategy other than the default one is active."""
    return isinstance(core.distribution(), Strategy)


def in_cross_replica_context() -> bool:
    """Inside a strategy's scope but not inside its ``run``."""
    active = core.distribution()
    return isinstance(active, Strategy) and active.in_cross_replica_context()


def get_replica_context():
    """The replica context inside ``strategy.run`` (or the default one outside any strategy);
    None in a cross-replica context (a scope, outside ``run``)."""
    active = core.distribution()
    if not isinstance(active, Strategy):
        return ReplicaContext(_DEFAULT, 0)
    return getattr(active._local, "replica", None)
