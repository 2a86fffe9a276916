"""``wb.data.Dataset``: in-memory input pipelines with tf.data's semantics.

A dataset is a chain of transformations, evaluated lazily each time it is
iterated. Pipelines that start from arrays (``from_tensor_slices``,
``range``) and only shuffle, repeat, take or skip them are carried as streams
of integer indices: ``batch`` then gathers each batch from the arrays in one
vectorized ``take`` on the device, with no per-element Python. After ``map``
or ``filter`` elements are produced one at a time and batched by stacking.

``iter(ds)`` returns a :class:`wb.data.Iterator` whose position (shuffle
buffers, seeds, epochs, prefetched elements) a ``wb.Checkpoint`` saves; the
dataset itself holds no state and a checkpoint saves nothing for it. Each
transformation is a subclass in its family's module (``sources``, ``batching``,
...; see the package docstring).

>>> ds = wb.data.Dataset.from_tensor_slices((np.arange(6), np.arange(6) * 10))
>>> ds = ds.shuffle(6, seed=1).batch(4)
>>> [x.shape for x, y in ds]
[(4,), (2,)]
"""

from __future__ import annotations

import numpy as np

from ..checkpoint.graph import Trackable
from .. import core, extension_type, nest
from ..compiler import staged
from ..core import Tensor, convert_to_tensor
from ..tensor_shape import TensorSpec
from . import structure as st
from .indices import EachIndex
from .iterator import Iterator, NumpyIterator
from .seeding import KernelScoped, peeking
from .tracing import state_function
from ..errors import InvalidArgumentError

INFINITE = -1
UNKNOWN = -2
AUTOTUNE = -1


class _Made(type):
    """Datasets made inside a wb.function's trace are nodes of its graph; one made from the
    call's tensors is made anew on each call (see ``staged.dataset_made``)."""

    def __call__(cls, *args, **kwargs):
        if core._state.tracer is None:
            return super().__call__(*args, **kwargs)
        obj, from_values = staged.dataset_made(cls, lambda: super(_Made, cls).__call__(*args, **kwargs),
                                               _TF_NAMES.get(cls.__name__, cls.__name__).lstrip("_"), args,
                                               kwargs)
        if from_values:
            obj._from_call_values = True   # its sizes may change from call to call
        return obj


class Dataset(Trackable, metaclass=_Made):
    """A sequence of elements (nested tuples/dicts of Tensors and RaggedTensors).

    Build one with :meth:`from_tensor_slices`, :meth:`from_tensors` or :meth:`range`,
    chain transformations, and iterate it with ``for``.
    """

    _is_dataset = True   # (what ``structure`` and ``tracing``, which this module imports, look for)

    # -- what subclasses provide ---------------------------------------------------
    # Iteration goes through small iterator objects that report their position as a state
    # tree (``state()``) and are rebuilt from one (``_iter(state)``), so ``iter(ds)`` can be
    # saved in a checkpoint and resumed exactly (see ``iterator.py``).

    def _indexable(self) -> bool:
        """True when the elements are rows of an array source picked by a stream of int64
        index arrays (then ``batch`` gathers whole batches in one vectorized take)."""
        return False

    def _source(self):
        """The array source of an indexable dataset."""
        return self._input._source()

    def _index_iter(self, state=None):
        """An iterator of int64 index chunks (indexable datasets only), with ``state()``."""
        raise NotImplementedError

    def _elem_iter(self, state=None):
        """An iterator of elements, with ``state()`` (datasets that are not indexable)."""
        raise NotImplementedError

    def _iter(self, state=None):
        """An iterator of elements starting at ``state`` (None: the beginning)."""
        if core._state.tracer is not None:
            staged.reads_dataset()
        if self._indexable():
            return EachIndex(self, state)
        return self._elem_iter(state)

    def _elements(self):
        """The elements from the beginning: one TF iterator (its functions' random kernels
        start afresh)."""
        return KernelScoped(lambda: self._iter(None))

    def _cardinality(self) -> int:
        return UNKNOWN

    # a transformation that passes on (some of) its input's elements as they are
    _same_elements = False

    def _known_spec(self):
        """The element structure of ``wb.TensorSpec`` leaves when it is known without running
        anything (a range, the slices of dense tensors, a zip of such, and what passes their
        elements on unchanged: take, skip, repeat, shuffle, filter, ...), else None."""
        return self._input._known_spec() if self._same_elements else None

    # -- the checkpoint protocol: a Trackable with no children ------------------------
    # A dataset describes a pipeline; the position in it belongs to ``iter(ds)``. A checkpoint
    # saves nothing for a dataset and does not look inside it (a Module used as a map function
    # is saved where the Module itself is tracked), and a Module holding a dataset owns
    # nothing in it.
    _tracked_by_modules = False

    def _trackable_children(self):
        return {}

    # -- iteration ------------------------------------------------------------------
    def __iter__(self):
        """A :class:`wb.data.Iterator`; its position can be saved with ``wb.Checkpoint``."""
        return Iterator(self)

    def as_numpy_iterator(self):
        """A :class:`wb.data.NumpyIterator`: the elements with every leaf converted to NumPy
        (RaggedTensors to object arrays of rows)."""
        return NumpyIterator(self)

    @property
    def element_spec(self):
        """The structure of an element with ``wb.TensorSpec`` leaves (``wb.RaggedTensorSpec``
        for ragged ones, ``wb.SparseTensorSpec`` for sparse ones), read from the first element. When the last transformation is a
        ``batch``/``padded_batch`` that keeps a short last batch, the batch dimension is
        None, as in TF; other sizes are those of the first element. A transformation that
        passes on its input's elements (filter, take, shuffle, ...) has its input's spec; a
        ``map`` has its traced function's."""
        if self._same_elements:
            return self._input.element_spec
        known = self._known_spec()
        if known is not None:     # TF's spec where it is known without running anything
            return known
        try:
            first = staged.outside_trace(self._first_element)   # its structure, not its values
        except StopIteration:
            raise ValueError("element_spec: the dataset is empty, so its element structure is "
                             "not known here") from None
        return self._spec_of(first)

    def _first_element(self):
        """The first element, read to learn the structure: the random transformations take no
        pass for it (see ``seeding.peeking``). StopIteration where there is none."""
        with peeking():
            it = KernelScoped(lambda: self._iter(None))
            try:
                return next(it)
            finally:
                it.close()

    def _spec_of(self, element):
        """The ``element_spec`` that ``element``, one of this dataset's, shows."""
        if self._same_elements:
            return self._input._spec_of(element)
        variable_batch = ((isinstance(self, Batch) and not self._drop)
                          or (isinstance(self, Rebatch) and (not self._drop or len(self._sizes) > 1)))

        def spec(leaf):
            if isinstance(leaf, Dataset):   # an element that is a dataset (a map made it)
                from .specs import DatasetSpec  # noqa: PLC0415 (specs imports this module)
                return DatasetSpec(leaf.element_spec)
            s = leaf._spec() if hasattr(leaf, "_spec") else TensorSpec.from_tensor(leaf)
            if variable_batch and hasattr(s, "_with_unknown_batch"):   # an ExtensionType's spec
                return s._with_unknown_batch()
            if variable_batch and s.shape.rank:
                shape = (None,) + tuple(s.shape[1:])
                if isinstance(s, TensorSpec):
                    return TensorSpec(shape, s.dtype)
                if hasattr(s, "_with_shape"):    # a SparseTensorSpec
                    return s._with_shape(shape)
                return type(s)(shape, s.dtype, s.ragged_rank, s.row_splits_dtype)
            return s
        return nest.map_structure(spec, element)

    def cardinality(self) -> Tensor:
        """The number of elements as an int64 scalar; ``wb.data.INFINITE_CARDINALITY`` (-1) or
        ``wb.data.UNKNOWN_CARDINALITY`` (-2) when it is infinite or unknown (after ``filter``)."""
        return _cardinality(self)

    def __len__(self):
        n = self._cardinality()
        if n == INFINITE:
            raise TypeError("the dataset is infinite")
        if n == UNKNOWN:
            raise TypeError("the dataset's length is unknown (it follows a filter); use cardinality()")
        return n

    def __bool__(self):
        return True

    def __repr__(self):
        """TF's form, ``<_MapDataset element_spec=TensorSpec(...)>`` (the spec is read from the
        first element; when there is none, or making it fails, the cardinality is shown)."""
        name = _TF_NAMES.get(getattr(self, "_where", None)) or _TF_NAMES.get(type(self).__name__)
        name = name or f"_{type(self).__name__.lstrip('_')}Dataset"
        try:
            return f"<{name} element_spec={self.element_spec!r}>"
        except Exception:  # noqa: BLE001 -- a repr shows what it can
            n = self._cardinality()
            size = {INFINITE: "infinite", UNKNOWN: "unknown"}.get(n, str(n))
            return f"<{name} cardinality={size}>"

    # -- sources --------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors, name=None):
        """One element per row of ``tensors`` (an array, tensor, RaggedTensor, or a tuple/dict of
        them with the same first dimension). Rows of a RaggedTensor batch into RaggedTensors.

        >>> list(wb.data.Dataset.from_tensor_slices([1, 2, 3]).as_numpy_iterator())
        [1, 2, 3]
        """
        if extension_type.has_extension_types(tensors):   # sliced along their tensor fields
            expanded, rebuild = extension_type.slice_structure(tensors)
            return Map(TensorSlices(expanded), rebuild, None, None, trace=False)
        return TensorSlices(tensors)

    @staticmethod
    def from_tensors(tensors, name=None):
        """A dataset with ``tensors`` as its single element."""
        return FromTensors(st.normalize(tensors, what="tensors", where="from_tensors"))

    @staticmethod
    def range(*args, output_type=np.int64, name=None, dtype=None):
        """Like Python's ``range``: ``Dataset.range(5)``, ``Dataset.range(2, 10, 3)``; the
        elements are int64 scalars, or ``output_type`` (``dtype`` is taken as another name for
        it).

        >>> [v.item() for v in wb.data.Dataset.range(1, 5, 2, output_type=wb.float32).as_numpy_iterator()]
        [1.0, 3.0]
        """
        return Range(*args, dtype=output_type if dtype is None else dtype)

    @staticmethod
    def random(seed=None, rerandomize_each_iteration=None, name=None):
        """An endless stream of int64 scalars in ``[0, 2**32)``: TF 2.21's numbers for the same
        seeds (``seed``, or the global seed's rule; neither: random). Each pass (a ``repeat``, a
        new ``iter``) draws the same numbers unless ``rerandomize_each_iteration``.

        >>> ds = wb.data.Dataset.random(seed=4).take(3)
        >>> [int(v) >= 0 for v in ds]
        [True, True, True]
        """
        return RandomSource(seed, rerandomize_each_iteration)

    @staticmethod
    def zip(*datasets, name=None):
        """Elements of several datasets side by side: ``Dataset.zip(a, b)`` or a tuple/dict of
        datasets. Stops with the shortest."""
        if len(datasets) == 1 and not isinstance(datasets[0], Dataset):
            datasets = datasets[0]
        return Zip(datasets)

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None,
                       output_signature=None, name=None):
        """Elements from ``generator()`` (called with ``args`` as NumPy values), each converted
        and checked against ``output_signature`` (a structure of specs with ``.shape`` and
        ``.dtype``; ``None`` dimensions match any size), or the older ``output_types`` /
        ``output_shapes``. A restored iterator calls ``generator`` again and skips the elements
        already produced, so the generator must yield the same sequence each time."""
        return FromGenerator(generator, output_types, output_shapes, args, output_signature)

    @staticmethod
    def list_files(file_pattern, shuffle=None, seed=None, name=None):
        """The file names matching ``file_pattern`` (a glob or a list of globs, local or an fsspec
        URL), as string scalars; sorted, then shuffled unless ``shuffle=False`` (with ``seed``,
        reproducibly). No match raises ``wb.errors.InvalidArgumentError``."""
        return list_files(file_pattern, shuffle, seed)

    @staticmethod
    def sample_from_datasets(datasets, weights=None, seed=None, stop_on_empty_dataset=False,
                             rerandomize_each_iteration=None):
        """Each element from one of ``datasets`` drawn at random with ``weights`` (a list, a
        float tensor, or a Dataset of weight vectors; default uniform), in TF 2.21's order for
        the same seeds. A draw of an exhausted dataset is skipped, or ends the result with
        ``stop_on_empty_dataset``; datasets weighted zero or less in a list are left out (one
        left: it is returned). The draws repeat each pass unless ``rerandomize_each_iteration``."""
        sampled = SampleFromDatasets(datasets, weights, seed, stop_on_empty_dataset,
                                     rerandomize_each_iteration)
        return sampled._inputs[0] if sampled._single else sampled

    @staticmethod
    def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True):
        """Element ``i`` from ``datasets[choice_i]``, for the int64 scalars of ``choice_dataset``.
        A choice of an exhausted dataset ends the result (``stop_on_empty_dataset``) or is
        skipped."""
        return ChooseFromDatasets(datasets, choice_dataset, stop_on_empty_dataset)

    @staticmethod
    def load(path, element_spec=None, compression=None, reader_func=None):
        """A dataset saved by :meth:`save` (a folder of JSON and ``.npy`` files); the element
        structure and compression are read from the folder. ``reader_func``, given, receives the
        dataset of shard datasets and returns the dataset to read (default: the shards in
        order)."""
        loaded = Load(path)
        if reader_func is None:
            return loaded
        shards = ListElements([Load(path, shard=i) for i in range(len(loaded._meta["shards"]))])
        out = reader_func(shards)
        if not isinstance(out, Dataset):
            raise TypeError(f"Dataset.load: reader_func must return a Dataset, got {type(out).__name__}")
        return out

    # -- transformations ------------------------------------------------------------
    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """Apply ``map_func`` to each element; a tuple element is unpacked as positional arguments.

        As in TF, ``map_func`` is traced once, when the dataset is built, on symbolic tensors of
        the input's ``element_spec`` (Python side effects such as ``print`` happen then), the
        result's ``element_spec`` is the trace's, and each element replays the trace; a function
        that reads values in Python runs as Python for each element instead (see ``tracing``).

        >>> ds = wb.data.Dataset.range(3).map(lambda x: x * 2)
        >>> ds.element_spec
        TensorSpec(shape=(), dtype=wb.int64, name=None)

        ``num_parallel_calls`` (an int or ``wb.data.AUTOTUNE``) runs calls on a thread pool; the
        output order is the input order unless ``deterministic=False``.
        """
        return Map(self, map_func, num_parallel_calls, deterministic)

    def filter(self, predicate, name=None):
        """Keep the elements for which ``predicate`` (traced like ``map``'s function; it must
        return a bool scalar) is true."""
        return Filter(self, predicate)

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None, deterministic=None,
              name=None):
        """Stack ``batch_size`` consecutive elements; the last batch is smaller unless
        ``drop_remainder``. Dense components must agree in shape; rows of a RaggedTensor and
        RaggedTensor elements are batched into RaggedTensors."""
        return Batch(self, batch_size, drop_remainder, "dense")

    def ragged_batch(self, batch_size, drop_remainder=False, row_splits_dtype=np.int64, name=None):
        """Batch elements whose sizes vary into RaggedTensors. By the element spec, as TF: a
        component of known shape (or unknown rank) is stacked densely, one with None sizes
        becomes ragged up to its last None size; where the spec is not known, components of
        rank >= 1 become ragged rows ``[batch, None, ...]``. RaggedTensors made from dense
        components have row splits of ``row_splits_dtype`` (int32 or int64)."""
        return Batch(self, batch_size, drop_remainder, "ragged", row_splits_dtype)

    def sparse_batch(self, batch_size, row_shape, name=None):
        """Batch dense elements of one rank into SparseTensors of dense shape ``[batch] + row_shape``
        holding every value of the elements (each no larger than ``row_shape``; None entries take
        the largest size in the batch).

        >>> ds = wb.data.Dataset.from_generator(lambda: iter([[1, 2, 3], [4, 5]]),
        ...                                     output_signature=wb.TensorSpec([None], wb.int32))
        >>> next(iter(ds.sparse_batch(2, [4]))).indices.numpy().tolist()
        [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1]]
        """
        return SparseBatch(self, batch_size, row_shape)

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None, drop_remainder=False,
                     name=None):
        """Batch elements of different shapes by padding each component to ``padded_shapes``
        (entries None or -1: the largest in the batch; default: the largest in every dimension)
        with ``padding_values`` (default 0).

        >>> ds = wb.data.Dataset.range(1, 4).map(lambda n: wb.fill([n], n))
        >>> next(iter(ds.padded_batch(3))).numpy()
        array([[1, 0, 0],
               [2, 2, 0],
               [3, 3, 3]])
        """
        return PaddedBatch(self, batch_size, padded_shapes, padding_values, drop_remainder)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True, name=None):
        """Shuffle with a buffer of ``buffer_size`` elements (TF's algorithm: fill the buffer, then
        repeatedly emit a random buffered element and refill its place from the input).

        The order is TF 2.21's for the same seeds (``seed``, or the global seed's rule of
        ``wb.random.set_seed``); ``reshuffle_each_iteration`` draws a new order for each pass
        over the data (each ``iter``, each ``repeat``).
        """
        return Shuffle(self, buffer_size, seed, reshuffle_each_iteration)

    def repeat(self, count=None, name=None):
        """Repeat the dataset ``count`` times (forever when None or -1)."""
        return Repeat(self, count)

    def take(self, count, name=None):
        """The first ``count`` elements (all when -1)."""
        return Take(self, count)

    def skip(self, count, name=None):
        """All but the first ``count`` elements (none when -1)."""
        return Skip(self, count)

    def shard(self, num_shards, index, name=None):
        """Every ``num_shards``-th element, starting with element ``index`` (``0 <= index <
        num_shards``, else ``wb.errors.InvalidArgumentError``).

        >>> [int(v) for v in wb.data.Dataset.range(10).shard(3, 1)]
        [1, 4, 7]
        """
        return Shard(self, num_shards, index)

    def take_while(self, predicate, name=None):
        """The elements up to (not including) the first for which ``predicate`` (called like
        ``map``, returning a bool scalar) is false.

        >>> [int(v) for v in wb.data.Dataset.range(10).take_while(lambda x: x < 5)]
        [0, 1, 2, 3, 4]
        """
        return TakeWhile(self, predicate)

    def unique(self, name=None):
        """The first occurrence of each element, in order; elements must be int32, int64 or
        string scalars.

        >>> [int(v) for v in wb.data.Dataset.from_tensor_slices([1, 37, 2, 37, 2, 1]).unique()]
        [1, 37, 2]
        """
        return Unique(self)

    def rebatch(self, batch_size, drop_remainder=False, name=None):
        """The rows of the input batches regrouped into batches of ``batch_size`` rows, across
        input batch boundaries; a list of sizes is used in turn, round and round. The last batch
        is smaller unless ``drop_remainder``. Components must be dense.

        >>> ds = wb.data.Dataset.range(8).batch(4)
        >>> [b.numpy().tolist() for b in ds.rebatch(3)]
        [[0, 1, 2], [3, 4, 5], [6, 7]]
        >>> [b.numpy().tolist() for b in ds.rebatch([2, 1, 1])]
        [[0, 1], [2], [3], [4, 5], [6], [7]]
        """
        return Rebatch(self, batch_size, drop_remainder)

    def ignore_errors(self, log_warning=False, name=None):
        """The input's elements, dropping each one whose computation raises an error (a
        ``map`` function that fails, say); ``log_warning`` logs each dropped error on the
        ``workbench.data`` logger.

        >>> ds = wb.data.Dataset.from_tensor_slices([1., 2., 0., 4.])
        >>> ds = ds.map(lambda x: wb.debugging.check_numerics(1. / x, "error"))
        >>> [float(v) for v in ds.ignore_errors()]
        [1.0, 0.5, 0.25]
        """
        return IgnoreErrors(self, log_warning)

    def enumerate(self, start=0, name=None):
        """Pairs ``(index, element)`` with an int64 index counting from ``start``."""
        return Enumerate(self, start)

    def concatenate(self, dataset, name=None):
        """The elements of this dataset followed by those of ``dataset``."""
        return Concatenate(self, dataset)

    def prefetch(self, buffer_size, name=None):
        """Produce up to ``buffer_size`` elements ahead on a background thread
        (``wb.data.AUTOTUNE`` picks 2), so input work overlaps the training step."""
        return Prefetch(self, buffer_size)

    def flat_map(self, map_func, name=None):
        """``map_func(element)`` returns a dataset; their elements, one dataset after another."""
        return Interleave(self, map_func, 1, 1, None, None, "flat_map")

    def interleave(self, map_func, cycle_length=None, block_length=None, num_parallel_calls=None,
                   deterministic=None, name=None):
        """TF's interleave: ``cycle_length`` datasets made by ``map_func`` are open at once (default
        AUTOTUNE: the number of CPU cores) and ``block_length`` (default 1) consecutive elements
        come from each in turn; a dataset that ends is replaced by the next in its place.
        With ``num_parallel_calls`` each open dataset makes its next block on its own thread;
        the order stays the one above (``deterministic=False`` allows another; none is used).

        >>> ds = wb.data.Dataset.range(1, 4).interleave(
        ...     lambda x: wb.data.Dataset.from_tensors(x).repeat(2), cycle_length=2)
        >>> [int(v) for v in ds]
        [1, 2, 1, 2, 3, 3]
        """
        return Interleave(self, map_func, cycle_length, 1 if block_length is None else block_length,
                          num_parallel_calls, deterministic)

    def unbatch(self, name=None):
        """Split each element along its first dimension (the inverse of ``batch``)."""
        return Unbatch(self)

    def window(self, size, shift=None, stride=1, drop_remainder=False, name=None):
        """Windows of ``size`` elements, one starting every ``shift`` (default ``size``) elements
        and taking every ``stride``-th one. Each window has the structure of an element, with
        a Dataset for each component; the last windows are shorter unless ``drop_remainder``."""
        return Window(self, size, shift, stride, drop_remainder)

    def scan(self, initial_state, scan_func, name=None):
        """A running state: ``new_state, output = scan_func(state, element)`` yields ``output``."""
        return Scan(self, initial_state, scan_func)

    def group_by_window(self, key_func, reduce_func, window_size=None, window_size_func=None,
                        name=None):
        """Group elements by ``key_func(element)`` (an int64 scalar); a group of
        ``window_size`` (or ``window_size_func(key)``) elements becomes a dataset passed to
        ``reduce_func(key, window)``, whose elements are emitted. At the end of the input the
        remaining groups are reduced in ascending key order."""
        return GroupByWindow(self, key_func, reduce_func, window_size, window_size_func)

    def bucket_by_sequence_length(self, element_length_func, bucket_boundaries, bucket_batch_sizes,
                                  padded_shapes=None, padding_values=None, pad_to_bucket_boundary=False,
                                  no_padding=False, drop_remainder=False, name=None):
        """Batch elements of similar length together: bucket ``i`` holds lengths in
        ``[bucket_boundaries[i-1], bucket_boundaries[i])`` and batches ``bucket_batch_sizes[i]``
        of them, padded as ``padded_batch`` (to the boundary minus one with
        ``pad_to_bucket_boundary``; not at all with ``no_padding``)."""
        return bucket_by_sequence_length(self, element_length_func, bucket_boundaries,
                                         bucket_batch_sizes, padded_shapes, padding_values,
                                         pad_to_bucket_boundary, no_padding, drop_remainder)

    def cache(self, filename="", name=None):
        """Keep the elements of the first full pass (in memory, or with ``filename`` in that
        folder, read again by later passes and later runs); later passes read the copy."""
        return Cache(self, filename)

    def snapshot(self, path, compression="AUTO", reader_func=None, shard_func=None, name=None):
        """The first full pass over this dataset is written under the folder ``path`` and the
        passes after it, in this process or a later one, read the files (see
        ``wb.data.snapshot``): ``shard_func(element)`` picks an element's shard,
        ``reader_func(shards)`` reads the dataset of shard datasets back."""
        return Snapshot(self, path, compression, reader_func, shard_func)

    def fingerprint(self):
        """A uint64 scalar, the same for datasets built the same way (see
        ``wb.data.fingerprint``; the numbers are not TF's)."""
        return convert_to_tensor(np.uint64(fingerprint(self)))

    def save(self, path, compression=None, shard_func=None, checkpoint_args=None):
        """Write every element to the folder ``path`` (JSON and ``.npy`` files, no pickle;
        ``compression``: None or ``"GZIP"``; ``shard_func(element)``: the int64 shard of each
        element). Read it back with :meth:`Dataset.load`."""
        if checkpoint_args is not None:
            raise ValueError("Dataset.save: checkpoint_args is not supported; the save writes every "
                             "element in one go")
        save(self, path, compression, shard_func)

    def get_single_element(self, name=None):
        """The one element of the dataset; ``wb.errors.InvalidArgumentError`` unless it has
        exactly one."""
        it = KernelScoped(lambda: self._iter(None))
        try:
            try:
                element = next(it)
            except StopIteration:
                raise InvalidArgumentError(None, None, "Dataset was empty.") from None
            try:
                next(it)
            except StopIteration:
                return element
            raise InvalidArgumentError(None, None, "Dataset had more than one element.")
        finally:
            it.close()

    def options(self):
        """The ``wb.data.Options`` set along the pipeline (those set downstream win)."""
        return merged_options(self)

    def with_options(self, options, name=None):
        """This dataset with ``options`` (a ``wb.data.Options``) set on it."""
        return WithOptions(self, options)

    def apply(self, transformation_func):
        """``transformation_func(self)``, for chaining reusable transformations."""
        out = transformation_func(self)
        if not isinstance(out, Dataset):
            raise TypeError(f"apply: the transformation must return a Dataset, got {type(out).__name__}")
        return out

    def rejection_resample(self, class_func, target_dist, initial_dist=None, seed=None, name=None):
        """``(class, element)`` pairs whose classes (``class_func(element)``) follow ``target_dist``:
        elements of over-represented classes are dropped at random (see
        ``wb.data.experimental.resample``)."""
        return resample(self, class_func, target_dist, initial_dist, seed)

    @staticmethod
    def counter(start=0, step=1, dtype=np.int64, name=None):
        """``start, start + step, ...`` without end (``wb.data.experimental.Counter``)."""
        return Counter(start, step, dtype)

    def reduce(self, initial_state, reduce_func, name=None):
        """Fold the elements: ``state = reduce_func(state, element)``; ``reduce_func`` is traced
        once (on the input's element structure, where it is known without running anything, else
        on the first element's) and replayed for each element."""
        state = st.normalize(initial_state)

        def call(state, element):
            with core.dataset_function():
                return reduce_func(state, element)
        flat = nest.flatten(state)
        if core._state.tracer is not None and flat and all(type(t) is Tensor for t in flat):
            # inside a wb.function: one step that folds the dataset each call passes
            def step(values, element):
                return nest.flatten(st.normalize(call(nest.pack_sequence_as(state, values), element)))
            final = staged.stage_dataset_loop(core._state.tracer, DatasetLoop(step, None), self, flat)
            if final is not NotImplemented:
                return nest.pack_sequence_as(state, final)
        spec = self._known_spec()
        traced = None if spec is None else state_function(call, state, spec, "reduce")
        for element in self._elements():
            if traced is None:
                traced = state_function(call, state, self._spec_of(element), "reduce")
            state = st.normalize(traced((state, element)))
        return state


@core.effect
def _cardinality(dataset):
    # a step of a wb.function's program: the dataset argument may be another one each call
    return convert_to_tensor(np.int64(dataset._cardinality()))


INFINITE_CARDINALITY = INFINITE
UNKNOWN_CARDINALITY = UNKNOWN

# the names TF's datasets print under (``repr``), by transformation class
_TF_NAMES = {
    "TensorSlices": "_TensorSliceDataset", "FromTensors": "_TensorDataset", "Range": "_RangeDataset",
    "Zip": "_ZipDataset", "Concatenate": "_ConcatenateDataset", "Map": "_MapDataset",
    "Filter": "_FilterDataset", "Enumerate": "_ZipDataset", "Batch": "_BatchDataset",
    "PaddedBatch": "_PaddedBatchDataset", "SparseBatch": "_DenseToSparseBatchDataset", "Shuffle": "_ShuffleDataset", "Repeat": "_RepeatDataset",
    "Take": "_TakeDataset", "Skip": "_SkipDataset", "Prefetch": "_PrefetchDataset",
    "Interleave": "_InterleaveDataset", "Unbatch": "_UnbatchDataset", "Window": "_WindowDataset",
    "ListElements": "_VariantDataset", "FromGenerator": "_FlatMapDataset", "Cache": "CacheDataset",
    "Scan": "_ScanDataset", "GroupByWindow": "_GroupByWindowDataset",
    "SampleFromDatasets": "_DirectedInterleaveDataset", "ChooseFromDatasets": "_DirectedInterleaveDataset",
    "WithOptions": "_OptionsDataset", "Load": "_LoadDataset", "TextLines": "TextLineDatasetV2",
    "TFRecords": "TFRecordDatasetV2", "flat_map": "_FlatMapDataset", "TextLineDataset": "TextLineDatasetV2",
    "TFRecordDataset": "TFRecordDatasetV2", "CsvDataset": "CsvDatasetV2",
    "FixedLengthRecordDataset": "FixedLengthRecordDatasetV2",
    "Shard": "_ShardDataset", "TakeWhile": "_TakeWhileDataset", "Unique": "_UniqueDataset",
    "Rebatch": "_RebatchDataset", "IgnoreErrors": "_IgnoreErrorsDataset", "RandomSource": "_RandomDataset",
}


# The transformations subclass Dataset, so they are imported once it exists (each of their
# modules imports this one); the methods above use them only when called.
from .batching import Batch, PaddedBatch, SparseBatch  # noqa: E402
from .caching import Cache  # noqa: E402
from .files import list_files  # noqa: E402
from .generator import FromGenerator  # noqa: E402
from .grouping import GroupByWindow, Scan, bucket_by_sequence_length  # noqa: E402
from .nesting import Interleave, ListElements, Unbatch, Window  # noqa: E402
from .options import WithOptions, merged_options  # noqa: E402
from .sampling import ChooseFromDatasets, SampleFromDatasets  # noqa: E402
from .storage import Load, save  # noqa: E402
from .elementwise import Enumerate, Filter, Map  # noqa: E402
from .experimental import Counter, resample  # noqa: E402
from .ordering import Repeat, Skip, Take  # noqa: E402
from .prefetch import Prefetch  # noqa: E402
from .selecting import IgnoreErrors, RandomSource, Rebatch, Shard, TakeWhile, Unique  # noqa: E402
from .shuffle import Shuffle  # noqa: E402
from .snapshot import Snapshot  # noqa: E402
from .fingerprint import fingerprint  # noqa: E402
from .sources import Concatenate, FromTensors, Range, TensorSlices, Zip  # noqa: E402
from .loops import DatasetLoop  # noqa: E402
