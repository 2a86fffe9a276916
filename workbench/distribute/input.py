"""Distributed input: ``InputContext``, and datasets whose every global batch is split among
the replicas (TF's ``experimental_distribute_dataset`` and ``distribute_datasets_from_function``).

Each worker runs the same input pipeline (so shuffles must be seeded, as in TF) and keeps its
replicas' slices of every global batch: replica ``r`` of ``n`` takes the ``r``-th of ``n``
nearly equal consecutive pieces along the batch axis (the first ``B % n`` replicas get one more
example), so one epoch gives every example to exactly one replica.
"""

from __future__ import annotations


from .. import core, nest
from ..errors import OutOfRangeError, argcheck
from ..tensor_shape import TensorSpec
from ..core import convert_to_tensor
from ..ops.reduce import reduce_mean
from ..ops.shape import stack
from .values import PerReplica, PerReplicaSpec, regroup


class InputContext:
    """What an input function needs to know under a strategy (TF's ``tf.distribute.InputContext``).

    Args:
        num_input_pipelines: how many input pipelines (workers) there are.
        input_pipeline_id: this one's index, in ``[0, num_input_pipelines)``.
        num_replicas_in_sync: replicas that take part in one step.
    """

    def __init__(self, num_input_pipelines=1, input_pipeline_id=0, num_replicas_in_sync=1):
        where = "InputContext"
        self.num_input_pipelines = argcheck.integer(num_input_pipelines, "num_input_pipelines", where, 1)
        self.input_pipeline_id = argcheck.integer(input_pipeline_id, "input_pipeline_id", where, 0)
        self.num_replicas_in_sync = argcheck.integer(num_replicas_in_sync, "num_replicas_in_sync", where, 1)
        if self.input_pipeline_id >= self.num_input_pipelines:
            raise ValueError(f"{where}: input_pipeline_id must be below num_input_pipelines "
                             f"({self.num_input_pipelines}), got {input_pipeline_id}")

    def get_per_replica_batch_size(self, global_batch_size) -> int:
        """``global_batch_size // num_replicas_in_sync``; ValueError when it does not divide."""
        b = argcheck.integer(global_batch_size, "global_batch_size", "InputContext.get_per_replica_batch_size", 0)
        if b % self.num_replicas_in_sync:
            raise ValueError(f"InputContext.get_per_replica_batch_size: the global batch size ({b}) is not "
                             f"divisible by num_replicas_in_sync ({self.num_replicas_in_sync})")
        return b // self.num_replicas_in_sync

    def __repr__(self):
        return (f"InputContext(num_input_pipelines={self.num_input_pipelines}, input_pipeline_id="
                f"{self.input_pipeline_id}, num_replicas_in_sync={self.num_replicas_in_sync})")


def shard_bounds(batch, replicas, replica) -> tuple:
    """``(start, stop)`` of replica ``replica``'s piece of a batch of ``batch`` examples."""
    base, extra = divmod(batch, replicas)
    start = replica * base + min(replica, extra)
    return start, start + base + (1 if replica < extra else 0)


def _batch_size(element):
    sizes = set()
    for leaf in nest.flatten(element):
        if leaf is None:
            continue
        shape = getattr(leaf, "shape", None)
        if shape is None or len(shape) == 0:
            raise ValueError("experimental_distribute_dataset: every element must be a batch (a tensor "
                             f"with a batch axis); got a component of shape {shape}: call "
                             "dataset.batch(global_batch_size) first")
        sizes.add(int(shape[0]) if shape[0] is not None else int(leaf.nrows()))
    if len(sizes) != 1:
        raise ValueError(f"experimental_distribute_dataset: the components of a batch disagree on its "
                         f"size: {sorted(sizes)}")
    return sizes.pop()


def split_batch(element, replicas, replica):
    """Replica ``replica``'s slice of the global batch ``element`` (any nest of tensors)."""
    start, stop = shard_bounds(_batch_size(element), replicas, replica)
    return nest.map_structure(lambda t: None if t is None else t[start:stop], element)


class _Held:
    """An iterator as the argument of a step (which would read an iterator argument into a list)."""

    __slots__ = ("iterator",)

    def __init__(self, iterator):
        self.iterator = iterator


@core.effect
def _next_or_end(held):
    """A step of a ``wb.function``'s program: (whether the distributed iterator had a next
    batch, that batch or, at the end, empty tensors of its structure)."""
    iterator = held.iterator
    try:
        return convert_to_tensor(True), iterator._transform(next(iterator._iterator))
    except StopIteration:
        return convert_to_tensor(False), _empty(iterator.element_spec)


def _empty(spec):
    """Zero-sized tensors of the structure ``spec`` (unknown sizes 0), per replica where it is a
    ``PerReplicaSpec``."""
    if isinstance(spec, PerReplicaSpec):
        return PerReplica([_empty(s) for s in spec._value_specs])
    if isinstance(spec, dict):
        return {k: _empty(v) for k, v in spec.items()}
    if isinstance(spec, (list, tuple)) and not hasattr(spec, "_fields"):
        return type(spec)(_empty(v) for v in spec)
    from ..data.optional import empty_value   # the data package sits beside this one
    return empty_value(spec)


def replica_batch(element, strategy):
    """This worker's replica's slice of the global batch ``element`` under ``strategy`` (the
    batch itself with one replica): how ``Model.fit`` splits each batch among the replicas (on a
    replica of several in this process, inside :func:`on_replicas`, that replica's slice)."""
    n = strategy.num_replicas_in_sync
    if strategy._num_local_replicas > 1:
        replica = strategy.current_replica_id()
        if replica is None:
            raise RuntimeError(f"Model.fit/evaluate: a batch is split among the {n} replicas of a "
                               f"{type(strategy).__name__} inside strategy.run (on_replicas), not outside it")
        return split_batch(element, n, replica)
    return element if n == 1 else split_batch(element, n, strategy._first_local_replica)


def on_replicas(step, model):
    """``step(data)`` (a Keras train or test step) run by each replica of ``model``'s strategy
    when this process holds several (``strategy.run``), the replicas' logs averaged, as Keras 3's
    steps under a ``MirroredStrategy`` (its reduction ``"auto"``: the mean); ``step`` itself
    otherwise."""
    def replicated(data):
        strategy = model.distribute_strategy
        if strategy._num_local_replicas == 1:
            return step(data)
        logs = strategy.run(step, args=(data,))
        return nest.map_structure(lambda v: _mean(v.values) if isinstance(v, PerReplica) else v, logs)
    return replicated


def _mean(values):
    return reduce_mean(stack([convert_to_tensor(v) for v in values]), axis=0)


def _local_spec(spec, replicas, local):
    """A dataset's ``element_spec`` leaf as one replica of ``replicas`` sees it (the batch size
    open unless every replica's piece is the same size); a :class:`PerReplicaSpec` of them when
    this process holds ``local`` > 1 replicas."""
    shape = getattr(spec, "shape", None)
    if replicas > 1 and isinstance(spec, TensorSpec) and shape.rank:
        batch = shape[0]
        piece = batch // replicas if batch is not None and batch % replicas == 0 else None
        spec = TensorSpec([piece] + shape.as_list()[1:], spec.dtype, spec.name)
    return spec if local == 1 else PerReplicaSpec(*([spec] * local))


class DistributedDataset:
    """A dataset whose elements are this worker's per-replica batches (TF's
    ``DistributedDataset``): one value when the worker holds one replica; when it holds several,
    each component a :class:`PerReplica` of the replicas' slices."""

    def __init__(self, dataset, strategy):
        self._dataset = dataset
        self._strategy = strategy

    def __iter__(self):
        return DistributedIterator(iter(self._dataset), self._split, lambda: self.element_spec)

    def _split(self, element):
        s = self._strategy
        n, first, local = s.num_replicas_in_sync, s._first_local_replica, s._num_local_replicas
        if n == 1:
            return element
        parts = [split_batch(element, n, first + i) for i in range(local)]
        return parts[0] if local == 1 else regroup(parts)

    @property
    def element_spec(self):
        """The dataset's ``element_spec`` as each local replica sees it (TF's)."""
        s = self._strategy
        return nest.map_structure(lambda spec: _local_spec(spec, s.num_replicas_in_sync, s._num_local_replicas),
                                  self._dataset.element_spec)

    @property
    def cardinality(self):
        """The number of global batches (TF's ``DistributedDataset.cardinality``)."""
        return int(self._dataset.cardinality())

    def __repr__(self):
        return f"<DistributedDataset over {self._dataset!r}, {self._strategy.num_replicas_in_sync} replicas>"


class DistributedIterator:
    """An iterator over a distributed dataset (TF's ``DistributedIterator``): ``next(it)``,
    ``it.get_next()`` or ``it.get_next_as_optional()`` give this worker's per-replica batch.
    Over a ``wb.data`` dataset it steps that dataset's iterator, so a ``wb.function`` that reads
    it runs the read each call."""

    def __init__(self, iterator, transform=None, element_spec=None):
        self._iterator = iterator
        self._transform = transform or (lambda element: element)
        self._element_spec = element_spec

    def __iter__(self):
        return self

    def __next__(self):
        return self._transform(next(self._iterator))

    def get_next(self):
        """The next per-replica batch; ``wb.errors.OutOfRangeError`` at the end, as in TF."""
        if hasattr(self._iterator, "get_next"):
            return self._transform(self._iterator.get_next())
        try:
            return self._transform(next(self._iterator))
        except StopIteration:
            raise OutOfRangeError("get_next: the distributed iterator has no more elements") from None

    def get_next_as_optional(self):
        """The next per-replica batch as a ``wb.experimental.Optional``; an empty one at the end
        (TF's ``DistributedIterator.get_next_as_optional``). Inside a ``wb.function`` the read
        is a step of its own, and ``has_value()`` a tensor each call computes (so that ``if not
        opt.has_value(): break`` ends a loop over ``wb.range`` where the data ends)."""
        from ..data.optional import Optional, StagedOptional   # the data package sits beside this one
        if core.tracing():
            has, value = _next_or_end(_Held(self))
            return StagedOptional(value, self.element_spec, has)
        try:
            value = self._transform(next(self._iterator))
        except StopIteration:
            return Optional(None, self.element_spec, False)
        return Optional(value, self.element_spec, True)

    @property
    def element_spec(self):
        """The structure of the per-replica batches (the distributed dataset's ``element_spec``)."""
        if self._element_spec is None:
            raise AttributeError("element_spec: this distributed iterator's dataset does not give one")
        return self._element_spec()


class DistributedDatasetsFromFunction:
    """The datasets ``dataset_fn(input_context)`` made once per worker (TF's
    ``DistributedDatasetsFromFunction``); its elements are the per-replica batches as they are
    (the function shards and batches them), consecutive elements going to the local replicas in
    turn when the worker holds several."""

    def __init__(self, dataset_fn, strategy):
        if not callable(dataset_fn):
            raise TypeError(f"distribute_datasets_from_function: dataset_fn must be callable, "
                            f"got {argcheck.describe(dataset_fn)}")
        ctx = InputContext(strategy._num_workers, strategy._worker_index, strategy.num_replicas_in_sync)
        self._dataset = dataset_fn(ctx)
        self._local = strategy._num_local_replicas

    def __iter__(self):
        if self._local == 1:
            return DistributedIterator(iter(self._dataset), None, lambda: self.element_spec)
        return DistributedIterator(self._elements(), None, lambda: self.element_spec)

    def _elements(self):
        it = iter(self._dataset)
        while True:
            parts = []
            for _ in range(self._local):
                try:
                    parts.append(next(it))
                except StopIteration:
                    return
            yield regroup(parts)

    @property
    def element_spec(self):
        """The dataset's ``element_spec`` (a :class:`PerReplicaSpec` per component when this
        worker holds several replicas)."""
        return nest.map_structure(lambda spec: _local_spec(spec, 1, self._local), self._dataset.element_spec)
