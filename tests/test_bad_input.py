"""Malformed arguments get a clear error: its type is TF's (TypeError for a wrong type,
ValueError / InvalidArgumentError for a bad value) and its message names the argument
and what was given. Never NumPy's text from deep inside, never a silent result."""

import math

import numpy as np
import pytest

import ragged
import workbench as wb
from workbench.errors import InvalidArgumentError

nan, inf = math.nan, math.inf
x = wb.ones((2, 3))
DS = wb.data.Dataset
opt = wb.optimizers
L = wb.keras.layers
RT = ragged.RaggedTensor
vals = wb.constant([1.0, 2.0, 3.0])
img = wb.ones((1, 4, 4, 2))

# (id, call, expected exception type, regex the message must match)
CASES = [
    # -- axis: every op's axis goes through one normaliser ---------------------------
    ("reduce_sum-axis-float", lambda: wb.reduce_sum(x, axis=1.5), TypeError,
     r"reduce_sum: axis must be an integer or a list of integers, got 1\.5 \(float\)"),
    ("reduce_sum-axis-str", lambda: wb.reduce_sum(x, axis="a"), TypeError, r"axis .*got 'a' \(str\)"),
    ("reduce_sum-axis-list-float", lambda: wb.reduce_sum(x, axis=[0, 1.5]), TypeError,
     r"axis .*1\.5 \(float\) is not an integer"),
    ("reduce_sum-axis-bool", lambda: wb.reduce_sum(x, axis=True), TypeError, r"axis .*got True \(bool\)"),
    ("reduce_mean-axis-nan", lambda: wb.reduce_mean(x, axis=nan), TypeError, r"reduce_mean: axis .*nan"),
    ("reduce_sum-axis-float-tensor", lambda: wb.reduce_sum(x, axis=wb.constant(1.0)), TypeError,
     r"axis .*1\.0 \(a float32 tensor\)"),
    # -- bool flags: a string is a mistake, not True ------------------------------------
    ("reduce_sum-keepdims-str", lambda: wb.reduce_sum(x, keepdims="no"), TypeError,
     r"reduce_sum: keepdims must be a bool \(True or False\), got 'no' \(str\)"),
    ("reduce_max-keepdims-float", lambda: wb.reduce_max(x, keepdims=0.5), TypeError, r"keepdims .*0\.5"),
    ("cumsum-exclusive-str", lambda: wb.cumsum(x, axis=1, exclusive="yes"), TypeError, r"cumsum: exclusive"),
    ("cumsum-reverse-list", lambda: wb.cumsum(x, axis=1, reverse=[1]), TypeError, r"cumsum: reverse"),
    ("norm-keepdims-str", lambda: wb.norm(x, keepdims="true"), TypeError, r"norm: keepdims"),
    ("svd-compute_uv-str", lambda: wb.linalg.svd(x, compute_uv="no"), TypeError, r"svd: compute_uv"),
    ("qr-full_matrices-str", lambda: wb.linalg.qr(x, full_matrices="no"), TypeError, r"qr: full_matrices"),
    ("solve-adjoint-str", lambda: wb.linalg.solve(wb.eye(2), wb.ones((2, 1)), adjoint="no"), TypeError,
     r"solve: adjoint"),
    ("triangular_solve-lower-str", lambda: wb.linalg.triangular_solve(wb.eye(2), wb.ones((2, 1)), lower="no"),
     TypeError, r"triangular_solve: lower"),
    ("gelu-approximate-str", lambda: wb.nn.gelu(x, approximate="no"), TypeError, r"gelu: approximate"),
    ("reduce_sum-axis-range", lambda: wb.reduce_sum(x, axis=2), ValueError, r"axis 2 is out of range"),
    ("argmax-axis-float", lambda: wb.argmax(x, axis=1.5), TypeError, r"argmax: axis must be an integer, got 1\.5"),
    ("cumsum-axis-str", lambda: wb.cumsum(x, axis="a"), TypeError, r"cumsum: axis .*'a'"),
    ("concat-axis-float", lambda: wb.concat([x, x], axis=1.5), TypeError, r"concat: axis .*1\.5"),
    ("stack-axis-str", lambda: wb.stack([x, x], axis="a"), TypeError, r"stack: axis .*'a'"),
    ("split-axis-float", lambda: wb.split(x, 2, axis=0.5), TypeError, r"split: axis .*0\.5"),
    ("unstack-axis-float", lambda: wb.unstack(x, axis=1.5), TypeError, r"unstack: axis .*1\.5"),
    ("expand_dims-axis-float", lambda: wb.expand_dims(x, axis=1.0), TypeError, r"expand_dims: axis .*1\.0"),
    ("squeeze-axis-float", lambda: wb.squeeze(wb.ones((1, 3)), axis=0.5), TypeError, r"squeeze: axis .*0\.5"),
    ("transpose-perm-float", lambda: wb.transpose(x, perm=[1.5, 0]), TypeError, r"transpose: perm .*1\.5"),
    ("reverse-axis-float", lambda: wb.reverse(x, axis=[1.5]), TypeError, r"reverse: axis .*1\.5"),
    ("sort-axis-float", lambda: wb.sort(x, axis=1.5), TypeError, r"axis .*1\.5"),
    ("softmax-axis-float", lambda: wb.nn.softmax(x, axis=1.5), TypeError, r"softmax: axis .*1\.5"),
    ("gather-axis-float", lambda: wb.gather(x, [0], axis=1.5), TypeError, r"gather: axis .*1\.5"),
    ("moments-axes-float", lambda: wb.nn.moments(x, axes=[1.5]), TypeError, r"axes .*1\.5"),
    # -- shapes: zeros/ones/fill/reshape/broadcast_to/random share one normaliser -------------
    ("zeros-negative", lambda: wb.zeros((-1, 2)), InvalidArgumentError,
     r"zeros: shape must hold non-negative sizes, got \(-1, 2\)"),
    ("zeros-nan", lambda: wb.zeros((nan, 2)), TypeError, r"zeros: shape .*nan \(float\) is not an integer"),
    ("zeros-inf", lambda: wb.zeros((inf, 2)), TypeError, r"zeros: shape .*inf \(float\) is not an integer"),
    ("zeros-float", lambda: wb.zeros((2.5, 2)), TypeError, r"zeros: shape .*2\.5 \(float\) is not an integer"),
    ("zeros-str", lambda: wb.zeros("ab"), TypeError, r"zeros: shape must be a list of integers, got 'ab'"),
    ("zeros-None", lambda: wb.zeros(None), TypeError, r"zeros: shape .*got None"),
    ("ones-None-dim", lambda: wb.ones((None, 2)), TypeError, r"ones: shape .*None is not an integer"),
    ("fill-negative", lambda: wb.fill((-1,), 1.0), InvalidArgumentError, r"fill: dims .*\(-1,\)"),
    ("reshape-nan", lambda: wb.reshape(x, (nan, 3)), TypeError, r"reshape: shape .*nan \(float\)"),
    ("reshape-float", lambda: wb.reshape(x, (2.5, 3)), TypeError, r"reshape: shape .*2\.5 \(float\)"),
    ("reshape-inf", lambda: wb.reshape(x, (inf,)), TypeError, r"reshape: shape .*inf \(float\)"),
    ("reshape-minus-two", lambda: wb.reshape(x, (-2, 3)), InvalidArgumentError,
     r"reshape: shape must hold non-negative sizes \(and -1 for one unknown size\), got \(-2, 3\)"),
    ("reshape-float-tensor", lambda: wb.reshape(x, wb.constant([3.0, 2.0])), TypeError,
     r"reshape: shape .*float32 tensor of shape \(2,\)"),
    ("broadcast_to-float", lambda: wb.broadcast_to(x, (2.5, 3)), TypeError, r"broadcast_to: shape .*2\.5"),
    ("constant-shape-negative", lambda: wb.constant(1.0, shape=(-1,)), InvalidArgumentError,
     r"constant: shape .*\(-1,\)"),
    ("constant-shape-float", lambda: wb.constant(1.0, shape=(2.5,)), TypeError, r"constant: shape .*2\.5"),
    ("random.normal-float", lambda: wb.random.normal((2.5,)), TypeError, r"shape .*2\.5 \(float\)"),
    ("random.normal-negative", lambda: wb.random.normal((-1,)), ValueError, r"shape .*non-negative.*-1"),
    ("random.uniform-str", lambda: wb.random.uniform(("a",)), TypeError, r"shape .*'a' \(str\)"),
    ("tile-float", lambda: wb.tile(x, [1.5, 1]), TypeError, r"tile: multiples .*1\.5"),
    ("split-sizes-float", lambda: wb.split(x, [1.5, 1.5], axis=1), TypeError,
     r"split: num_or_size_splits .*1\.5"),
    ("split-num-float", lambda: wb.split(x, 1.5, axis=1), TypeError, r"split: num_or_size_splits .*1\.5"),
    ("random.normal-mean-str", lambda: wb.random.normal((2,), mean="a"), TypeError,
     r"normal: mean must be a number or a tensor of dtype float32, got 'a' \(str\)"),
    ("random.set_seed-str", lambda: wb.random.set_seed("a"), TypeError, r"set_seed: seed .*'a' \(str\)"),
    ("random.shuffle-seed-str", lambda: wb.random.shuffle(x, seed="a"), TypeError, r"seed .*'a' \(str\)"),
    ("random.categorical-num_samples-float", lambda: wb.random.categorical(wb.zeros((1, 3)), 2.5), TypeError,
     r"num_samples .*2\.5 \(float\)"),
    ("one_hot-depth-float", lambda: wb.one_hot([0, 1], 2.5), TypeError, r"one_hot: depth .*2\.5"),
    ("top_k-k-float", lambda: wb.math.top_k(x, k=1.5), TypeError, r"top_k: k .*1\.5"),
    ("eye-negative", lambda: wb.eye(-1), ValueError, r"eye: num_rows must be a non-negative integer, got -1"),
    ("linspace-num-float", lambda: wb.linspace(0.0, 1.0, 2.5), TypeError, r"linspace: num .*2\.5"),
    ("range-limit-nan", lambda: wb.range(0, nan), ValueError, r"range: limit must be a finite number, got nan"),
    ("range-delta-str", lambda: wb.range(0, 10, "a"), TypeError, r"range: delta .*'a'"),
    ("unsorted_segment_sum-num_segments-float",
     lambda: wb.math.unsorted_segment_sum(vals, [0, 1, 0], 2.5), TypeError, r"num_segments .*2\.5"),
    ("conv2d-strides-zero", lambda: wb.nn.conv2d(img, wb.ones((3, 3, 2, 1)), strides=0, padding="SAME"),
     ValueError, r"conv2d: strides must be positive, got 0"),
    ("max_pool2d-ksize-float", lambda: wb.nn.max_pool2d(img, ksize=1.5, strides=1, padding="VALID"),
     TypeError, r"ksize .*1\.5"),
    ("leaky_relu-alpha-str", lambda: wb.nn.leaky_relu(x, alpha="a"), TypeError,
     r"leaky_relu: alpha must be a number, got 'a' \(str\)"),
    ("dropout-rate-str", lambda: wb.nn.dropout(x, rate="0.5"), TypeError, r"dropout: rate .*'0\.5' \(str\)"),
    ("clip_by_norm-str", lambda: wb.clip_by_norm(x, "a"), TypeError, r"clip_by_norm: clip_norm .*'a' \(str\)"),
    ("clip_by_global_norm-str", lambda: wb.clip_by_global_norm([x], "a"), TypeError,
     r"clip_by_global_norm: clip_norm .*'a' \(str\)"),
    ("Variable-shape-float", lambda: wb.Variable([1.0, 2.0], shape=(2.5,)), TypeError, r"Variable: shape .*2\.5"),
    ("split-num-zero", lambda: wb.split(x, 0, axis=1), ValueError, r"split: num_or_size_splits=0"),
    ("argmax-output_type-float", lambda: wb.argmax(x, axis=1, output_type=wb.float32), TypeError,
     r"argmax: output_type must be int32 or int64, got float32"),
    ("zeros_like-dtype-str", lambda: wb.zeros_like(x, dtype="a"), TypeError, r"dtype.*'a'"),
    ("pad-constant_values-str", lambda: wb.pad(x, [[1, 0], [0, 0]], constant_values="a"), TypeError,
     r"pad: constant_values .*'a' \(str\)"),
    ("repeat-repeats-str", lambda: wb.repeat(x, "a", axis=1), ValueError, r"repeat: repeats .*'a'"),
    ("ragged.stack-axis-float", lambda: ragged.stack([ragged.constant([[1], [2, 3]])] * 2, axis=0.5), TypeError,
     r"ragged.stack: axis .*0\.5"),
    ("ragged.concat-axis-range", lambda: ragged.concat([ragged.constant([[1], [2, 3]])] * 2, axis=5), ValueError,
     r"ragged.concat: axis 5 is out of range"),
    ("from_tensor_slices-str", lambda: DS.from_tensor_slices("abc"), ValueError,
     r"from_tensor_slices: component 0 of tensors is a scalar"),
    ("padded_batch-padded_shapes-float",
     lambda: list(DS.range(1, 3).map(lambda n: wb.fill([n], n)).padded_batch(2, padded_shapes=[2.5])),
     TypeError, r"padded_batch: padded_shapes .*2\.5 \(float\)"),
    # -- dtypes -------------------------------------------------------------------------
    ("constant-dtype-str", lambda: wb.constant(1.0, dtype="a"), TypeError, r"dtype.*'a'"),
    ("constant-dtype-int", lambda: wb.constant(1.0, dtype=99), TypeError, r"dtype: 99 is not a DataType enum value"),
    # -- ragged nested lists -----------------------------------------------------------------
    ("constant-ragged", lambda: wb.constant([[1, 2], [3]]), ValueError,
     r"value is a ragged nested list: value\[1\] has shape \(1,\) but value\[0\] has shape \(2,\).*"
     r"ragged\.constant.*got \[\[1, 2\], \[3\]\]"),
    ("constant-ragged-deep", lambda: wb.constant([[[1, 2]], [[3]]]), ValueError,
     r"value\[1\] has shape \(1, 1\) but value\[0\] has shape \(1, 2\)"),
    ("constant-ragged-dtype", lambda: wb.constant([[1, 2], [3]], dtype=wb.float32), ValueError,
     r"ragged nested list.*ragged\.constant"),
    ("convert_to_tensor-ragged", lambda: wb.convert_to_tensor([[1.0], [2.0, 3.0]]), ValueError,
     r"ragged nested list"),
    ("constant-ragged-tensors", lambda: wb.constant([wb.constant([1, 2]), wb.constant([3])]), ValueError,
     r"ragged nested list"),
    # -- datasets ---------------------------------------------------------------------------
    ("from_tensor_slices-ragged", lambda: DS.from_tensor_slices([[1, 2], [3]]), ValueError,
     r"from_tensor_slices: tensors is a ragged nested list: tensors\[1\] has shape \(1,\) but "
     r"tensors\[0\] has shape \(2,\).*ragged\.constant"),
    ("from_tensor_slices-ragged-component", lambda: DS.from_tensor_slices(([1, 2], [[1, 2], [3]])),
     ValueError, r"from_tensor_slices: tensors\[1\] is a ragged nested list"),
    ("from_tensor_slices-ragged-dict", lambda: DS.from_tensor_slices({"a": [[1], []]}), ValueError,
     r"tensors\['a'\] is a ragged nested list"),
    ("from_tensors-ragged", lambda: DS.from_tensors([[1, 2], [3]]), ValueError,
     r"from_tensors: tensors is a ragged nested list"),
    ("from_tensor_slices-scalar", lambda: DS.from_tensor_slices(5), ValueError,
     r"component 0 of tensors is a scalar \(5 \(a int32 tensor\)\)"),
    ("batch-negative", lambda: DS.range(5).batch(-1), ValueError, r"batch: batch_size must be a positive integer, got -1"),
    ("batch-zero", lambda: DS.range(5).batch(0), ValueError, r"batch_size must be a positive integer, got 0"),
    ("batch-float", lambda: DS.range(5).batch(1.5), TypeError, r"batch: batch_size must be .*got 1\.5 \(float\)"),
    ("padded_batch-zero", lambda: DS.range(5).padded_batch(0), ValueError, r"batch_size .*got 0"),
    ("shuffle-zero", lambda: DS.range(5).shuffle(0), ValueError, r"shuffle: buffer_size must be positive, got 0"),
    ("shuffle-str", lambda: DS.range(5).shuffle("a"), TypeError, r"shuffle: buffer_size .*got 'a' \(str\)"),
    ("shuffle-seed-str", lambda: DS.range(5).shuffle(5, seed="a"), TypeError, r"shuffle: seed .*got 'a' \(str\)"),
    ("take-str", lambda: DS.range(5).take("a"), TypeError, r"take: count must be .*got 'a' \(str\)"),
    ("take-float", lambda: DS.range(5).take(1.5), TypeError, r"take: count .*got 1\.5 \(float\)"),
    ("skip-str", lambda: DS.range(5).skip("a"), TypeError, r"skip: count .*'a'"),
    ("prefetch-str", lambda: DS.range(5).prefetch("a"), TypeError, r"prefetch: buffer_size .*'a'"),
    ("prefetch-negative", lambda: DS.range(5).prefetch(-5), ValueError, r"prefetch: buffer_size .*-5"),
    ("map-not-callable", lambda: DS.range(5).map(5), TypeError, r"map: map_func must be callable, got 5 \(int\)"),
    ("map-parallel-zero", lambda: DS.range(5).map(lambda a: a, num_parallel_calls=0), ValueError,
     r"map: num_parallel_calls must be positive or AUTOTUNE \(-1\), got 0"),
    ("range-str", lambda: DS.range("a"), TypeError, r"Dataset.range: stop .*'a'"),
    ("range-step-zero", lambda: DS.range(0, 5, 0), ValueError, r"Dataset.range: step must not be 0"),
    ("concatenate-int", lambda: DS.range(5).concatenate(5), TypeError, r"concatenate: dataset must be a Dataset, got 5"),
    ("zip-int", lambda: DS.zip(DS.range(3), 5), TypeError, r"zip: datasets must be .*got 5 \(int\)"),
    # -- ragged: row partitions are integers, never truncated floats (TF 2.21: a ValueError) ---------
    ("from_row_splits-float", lambda: RT.from_row_splits(vals, [0.0, 1.5, 3]), ValueError,
     r"from_row_splits: row_splits must be integers \(int32 or int64\), got \[0\.0, 1\.5, 3\] \(list\), "
     r"of dtype float64"),
    ("from_row_splits-integral-floats", lambda: RT.from_row_splits(vals, [0.0, 1.0, 3.0]), ValueError,
     r"row_splits must be integers"),
    ("from_row_splits-bool", lambda: RT.from_row_splits(vals, [False, True, True]), ValueError,
     r"row_splits must be integers .*dtype bool"),
    ("from_row_splits-str", lambda: RT.from_row_splits(vals, ["0", "1", "3"]), ValueError,
     r"row_splits must be integers .*'0'"),
    ("from_row_splits-float-tensor", lambda: RT.from_row_splits(vals, wb.constant([0.0, 1.0, 3.0])), ValueError,
     r"row_splits must be integers .*float32 tensor of shape \(3,\)"),
    ("from_row_lengths-float", lambda: RT.from_row_lengths(vals, [1.5, 1.5]), ValueError,
     r"from_row_lengths: row_lengths must be integers .*1\.5"),
    ("from_value_rowids-float", lambda: RT.from_value_rowids(vals, [0.0, 1, 1]), ValueError,
     r"from_value_rowids: value_rowids must be integers"),
    ("from_value_rowids-nrows-float", lambda: RT.from_value_rowids(vals, [0, 1, 1], nrows=2.5), TypeError,
     r"from_value_rowids: nrows must be a non-negative integer, got 2\.5 \(float\)"),
    ("from_uniform_row_length-float", lambda: RT.from_uniform_row_length(vals, 1.5), ValueError,
     r"uniform_row_length must be a non-negative integer, got 1\.5"),
    ("from_tensor-lengths-float", lambda: RT.from_tensor(x, lengths=[1.5, 2]), TypeError,
     r"from_tensor: lengths must be integers"),
    ("ragged.constant-ragged_rank-float", lambda: ragged.constant([[1, 2], [3]], ragged_rank=1.5), TypeError,
     r"ragged.constant: ragged_rank must be an integer, got 1\.5"),
    ("ragged.constant-scalar", lambda: ragged.constant(5, ragged_rank=1), ValueError,   # TF: 5 alone is a scalar
     r"ragged.constant: a scalar pylist \(5\) has no ragged_rank=1"),
    ("ragged-reduce_sum-axis-float", lambda: wb.reduce_sum(ragged.constant([[1.0, 2.0], [3.0]]), axis=1.5),
     TypeError, r"reduce_sum: axis .*1\.5 \(float\)"),
    ("ragged-to_tensor-shape-float", lambda: ragged.constant([[1.0, 2.0], [3.0]]).to_tensor(shape=(2.5, 2)),
     TypeError, r"to_tensor: shape .*2\.5 \(float\)"),
    # -- optimizers: a learning rate or hyperparameter given as a string is refused, not parsed ------
    ("SGD-learning_rate-str", lambda: opt.SGD(learning_rate="0.1"), TypeError,
     r"SGD: learning_rate must be a float, a scalar Tensor or Variable, a LearningRateSchedule or a "
     r"callable of the step, got '0\.1' \(str\)"),
    ("Adam-learning_rate-str", lambda: opt.Adam(learning_rate="a"), TypeError, r"Adam: learning_rate .*'a' \(str\)"),
    ("SGD-learning_rate-None", lambda: opt.SGD(learning_rate=None), TypeError, r"learning_rate .*got None"),
    ("SGD-learning_rate-nan", lambda: opt.SGD(learning_rate=nan), ValueError, r"learning_rate must be finite, got nan"),
    ("SGD-learning_rate-list", lambda: opt.SGD(learning_rate=[0.1]), TypeError, r"learning_rate .*\[0\.1\] \(list\)"),
    ("SGD-learning_rate-vector", lambda: opt.SGD(learning_rate=wb.constant([0.1, 0.2])), TypeError,
     r"learning_rate .*float32 tensor of shape \(2,\)"),
    ("SGD-learning_rate-setter-str", lambda: setattr(opt.SGD(), "learning_rate", "a"), TypeError,
     r"learning_rate .*'a' \(str\)"),
    ("SGD-momentum-str", lambda: opt.SGD(momentum="0.9"), TypeError, r"SGD: momentum must be a number, got '0\.9'"),
    ("Adam-beta_1-str", lambda: opt.Adam(beta_1="0.9"), TypeError, r"Adam: beta_1 must be a number, got '0\.9'"),
    ("Adam-epsilon-str", lambda: opt.Adam(epsilon="1e-7"), TypeError, r"Adam: epsilon must be a number, got '1e-7'"),
    ("RMSprop-rho-str", lambda: opt.RMSprop(rho="a"), TypeError, r"RMSprop: rho .*'a'"),
    ("SGD-clipnorm-str", lambda: opt.SGD(clipnorm="1"), TypeError, r"SGD: clipnorm must be a number, got '1'"),
    ("Adagrad-initial_accumulator_value-str", lambda: opt.Adagrad(initial_accumulator_value="a"), TypeError,
     r"Adagrad: initial_accumulator_value .*'a'"),
    ("ExponentialDecay-decay_rate-str", lambda: opt.schedules.ExponentialDecay(0.1, 10, "a"), TypeError,
     r"ExponentialDecay: decay_rate .*'a'"),
    ("ExponentialDecay-decay_steps-str", lambda: opt.schedules.ExponentialDecay(0.1, "10", 0.9), TypeError,
     r"ExponentialDecay: decay_steps .*'10'"),
    # -- layers: sizes are positive integers, never truncated floats ---------------------------
    ("Dense-negative", lambda: L.Dense(-1), ValueError, r"Dense: units must be a positive integer, got -1"),
    ("Dense-nan", lambda: L.Dense(nan), TypeError, r"Dense: units must be a positive integer, got nan \(float\)"),
    ("Dense-inf", lambda: L.Dense(inf), TypeError, r"Dense: units .*got inf \(float\)"),
    ("Dense-float", lambda: L.Dense(2.5), TypeError, r"Dense: units .*got 2\.5 \(float\)"),
    ("Dense-str", lambda: L.Dense("a"), TypeError, r"Dense: units .*got 'a' \(str\)"),
    ("Dense-None", lambda: L.Dense(None), TypeError, r"Dense: units .*got None"),
    ("Embedding-float", lambda: L.Embedding(10, 2.5), TypeError, r"Embedding: output_dim .*2\.5"),
    ("Embedding-negative", lambda: L.Embedding(-1, 3), ValueError, r"Embedding: input_dim .*-1"),
    ("Dropout-str", lambda: L.Dropout("a"), TypeError, r"Dropout: rate must be a number, got 'a'"),
    ("Dropout-nan", lambda: L.Dropout(nan), ValueError, r"Dropout: rate must be a finite number, got nan"),
    ("Conv2D-filters-float", lambda: L.Conv2D(2.5, 3), TypeError, r"Conv2D: filters .*2\.5"),
    ("Conv2D-kernel_size-negative", lambda: L.Conv2D(4, -1), ValueError, r"Conv2D: kernel_size must be positive, got -1"),
    ("Conv2D-kernel_size-float", lambda: L.Conv2D(4, 1.5), TypeError, r"Conv2D: kernel_size .*1\.5"),
    ("Conv2D-strides-zero", lambda: L.Conv2D(4, 3, strides=0), ValueError, r"Conv2D: strides must be positive, got 0"),
    ("MaxPool2D-pool_size-zero", lambda: L.MaxPool2D(pool_size=0), ValueError, r"MaxPooling2D: pool_size .*got 0"),
    ("GRU-units-float", lambda: L.GRU(2.5), TypeError, r"GRU: units .*2\.5"),
    ("LSTM-dropout-str", lambda: L.LSTM(3, dropout="a"), TypeError, r"LSTM: dropout .*'a'"),
    ("LayerNormalization-axis-float", lambda: L.LayerNormalization(axis=1.5), TypeError,
     r"LayerNormalization: axis .*1\.5"),
    ("BatchNormalization-axis-str", lambda: L.BatchNormalization(axis="a"), TypeError,
     r"BatchNormalization: axis .*'a'"),
    ("BatchNormalization-momentum-str", lambda: L.BatchNormalization(momentum="a"), TypeError,
     r"BatchNormalization: momentum .*'a'"),
    ("MultiHeadAttention-num_heads-zero", lambda: L.MultiHeadAttention(num_heads=0, key_dim=2), ValueError,
     r"MultiHeadAttention: num_heads must be a positive integer, got 0"),
    ("MultiHeadAttention-key_dim-float", lambda: L.MultiHeadAttention(num_heads=2, key_dim=2.5), TypeError,
     r"key_dim .*2\.5"),
    ("Reshape-float", lambda: L.Reshape((2.5,)), TypeError, r"Reshape: target_shape .*2\.5"),
    ("Reshape-minus-two", lambda: L.Reshape((-2,)), ValueError, r"Reshape: target_shape .*\(-2,\)"),
    ("Concatenate-axis-float", lambda: L.Concatenate(axis=1.5), TypeError, r"Concatenate: axis .*1\.5"),
    ("EinsumDense-output_shape-float", lambda: L.EinsumDense("ab,bc->ac", 2.5), TypeError,
     r"EinsumDense: output_shape .*2\.5"),
    # -- the tape: a string target or source is named as such ---------------------------------
    ("gradient-target-str", lambda: _tape_call("gradient", lambda y: "y"), TypeError,
     r"gradient: target must be a tensor, a variable or a nested structure of them, got 'y' \(str\)"),
    ("gradient-target-list-str", lambda: _tape_call("gradient", lambda y: [y, "a"]), TypeError,
     r"gradient: target\[1\] must be a tensor.*got 'a' \(str\)"),
    ("gradient-sources-str", lambda: _tape_call("gradient", lambda y: y, lambda v: "v"), TypeError,
     r"gradient: sources must be a tensor.*got 'v' \(str\)"),
    ("gradient-unconnected-str", lambda: _tape_call("gradient", lambda y: y, unconnected_gradients="foo"),
     ValueError, r"unconnected_gradients must be 'none' or 'zero', got 'foo'"),
    ("jacobian-target-str", lambda: _tape_call("jacobian", lambda y: "y"), TypeError,
     r"jacobian: target must be a tensor.*got 'y' \(str\)"),
    ("batch_jacobian-target-str", lambda: _tape_call("batch_jacobian", lambda y: "y"), TypeError,
     r"batch_jacobian: target must be a tensor.*got 'y' \(str\)"),
    ("jacobian-parallel_iterations-str", lambda: _tape_call("jacobian", lambda y: y, parallel_iterations="a"),
     TypeError, r"jacobian: parallel_iterations must be a non-negative integer, got 'a' \(str\)"),
]


def _tape_call(method, target, source=None, **kwargs):
    v = wb.Variable([[1.0, 2.0]])
    with wb.GradientTape(persistent=True) as tape:
        y = v * 2
    return getattr(tape, method)(target(y), v if source is None else source(v), **kwargs)


@pytest.mark.parametrize("call, exc, pattern", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_reported_clearly(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


def test_well_formed_arguments_still_work():
    assert wb.reduce_sum(x, axis=np.int64(1)).shape == (2,)
    assert wb.reduce_sum(x, axis=wb.constant(1)).shape == (2,)
    assert wb.reduce_sum(x, axis=[0, -1]).shape == ()
    for keep in (True, np.bool_(True), 1, wb.constant(True)):
        assert wb.reduce_sum(x, axis=1, keepdims=keep).shape == (2, 1)
    assert wb.reduce_sum(x, axis=1, keepdims=None).shape == (2,)   # TF: None means False
    assert wb.reshape(x, (-1,)).shape == (6,)
    assert wb.reshape(x, [None, 2]).shape == (3, 2)
    assert wb.reshape(x, wb.constant([3, 2])).shape == (3, 2)
    assert wb.zeros(np.array([2, 3])).shape == (2, 3)
    assert wb.zeros([np.int64(2), wb.constant(3)]).shape == (2, 3)
    assert wb.zeros(()).shape == ()
    assert wb.reshape(wb.constant([5.0]), wb.constant([], dtype=wb.float32)).shape == ()
    assert wb.transpose(x, perm=[-1, 0]).shape == (3, 2)
    assert wb.constant(0, shape=(2, 3)).shape == (2, 3)
    assert wb.constant([[1, 2], [3, 4]], dtype="float64").dtype == wb.float64
    assert RT.from_row_splits(vals, np.array([0, 1, 3], np.int32)).to_list() == [[1.0], [2.0, 3.0]]
    assert RT.from_row_splits(vals, wb.constant([0, 1, 3])).to_list() == [[1.0], [2.0, 3.0]]
    assert RT.from_row_lengths(wb.constant([], dtype=wb.float32), []).nrows() == 0
    assert ragged.constant([[1.0, 2.0], [3.0]]).to_tensor(shape=[None, 3]).shape == (2, 3)
    for lr in (1, 0.5, np.float32(0.5), wb.constant(0.5), wb.Variable(0.5), lambda step: 0.1,
               opt.schedules.ExponentialDecay(0.1, 10, 0.9)):
        opt.SGD(learning_rate=lr).learning_rate
    assert _tape_call("gradient", lambda y: [y, {"s": y}]).shape == (1, 2)
    assert _tape_call("jacobian", lambda y: y, parallel_iterations=1).shape == (1, 2, 1, 2)
    assert _tape_call("batch_jacobian", lambda y: y, parallel_iterations=np.int64(0)).shape == (1, 2, 2)


@pytest.mark.parametrize("call, exc, pattern", [
    (lambda: wb.keras.losses.Huber(delta="a"), TypeError, r"Huber: delta must be a number, got 'a' \(str\)"),
    (lambda: wb.keras.losses.Huber(delta=0.0), ValueError, r"Huber: delta must be positive, got 0.0"),
    (lambda: wb.keras.losses.CategoricalCrossentropy(label_smoothing="a"), TypeError,
     r"CategoricalCrossentropy: label_smoothing must be a number, got 'a'"),
    (lambda: wb.keras.losses.CategoricalCrossentropy(label_smoothing=2), ValueError,
     r"label_smoothing must be in \[0, 1\], got 2"),
    (lambda: wb.keras.losses.BinaryCrossentropy(label_smoothing=float("nan")), ValueError,
     r"BinaryCrossentropy: label_smoothing must be a finite number"),
    (lambda: wb.random.gamma([2], alpha="a"), TypeError, r"gamma: alpha must be a number or a real tensor, got 'a'"),
    (lambda: wb.random.poisson([2], lam="a"), TypeError, r"poisson: lam must be a number or a real tensor, got 'a'"),
])
def test_loss_and_sampler_arguments_are_named(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()
