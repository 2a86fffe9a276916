"""Cases for ``wb.nn``: activations, softmax, cross-entropies, normalization, embeddings,
convolution and pooling. Tensors are tiny so that second-order finite differences stay fast."""

import numpy as np

import workbench as wb
from gradients import GradientTape

from . import Case, uniform

A = uniform(-2, 2, (2, 3), 31)
L = uniform(-2, 2, (2, 4), 32)                      # logits
P = np.array([[0.1, 0.2, 0.3, 0.4], [0.7, 0.1, 0.1, 0.1]])  # probability labels
Z = uniform(0, 1, (2, 4), 33)                       # sigmoid labels
X4 = uniform(-1, 1, (1, 4, 4, 2), 34)               # NHWC input
W4 = uniform(-1, 1, (2, 2, 2, 2), 35)               # HWIO filters
X5 = uniform(-1, 1, (1, 5, 5, 1), 36)
U4 = uniform(-1, 1, (1, 2, 2, 2), 37)               # a cotangent of a 2x2 max pool of X4


def _pool_input():
    # distinct values, well apart, so no window has a near-tie
    return (np.random.default_rng(38).permutation(32).reshape(1, 4, 4, 2) * 0.1 - 1.6)


def _max_pool_grad_of(x, u):
    """The reverse-mode gradient of max_pool2d at ``x`` against cotangent ``u``: a function
    that is linear in ``u``, so its own gradient runs max_pool2d_grad_grad."""
    with GradientTape() as tape:
        tape.watch(x)
        y = wb.nn.max_pool2d(x, 2, 2, "VALID")
    return tape.gradient(y, x, output_gradients=u)


CASES = [
    Case("relu", lambda x: wb.nn.relu(x) * x, [A]),
    Case("relu6", lambda x: wb.nn.relu6(x) * x, [np.array([[-1.0, 0.5, 3.0], [5.5, 7.0, 2.2]])]),
    Case("elu", lambda x: wb.nn.elu(x) * x, [A]),
    Case("selu", lambda x: wb.nn.selu(x) * x, [A]),
    Case("softsign", wb.nn.softsign, [A]),
    Case("leaky_relu", lambda x: wb.nn.leaky_relu(x, alpha=0.3) * x, [A]),
    Case("gelu exact", wb.nn.gelu, [A]),
    Case("gelu approximate", lambda x: wb.nn.gelu(x, approximate=True), [A]),
    Case("silu", lambda x: wb.nn.silu(x) + wb.nn.swish(x, beta=1.5), [A]),
    Case("bias_add NHWC", lambda v, b: wb.nn.bias_add(v * v, b), [X4, uniform(-1, 1, (2,), 39)]),
    Case("bias_add NCHW", lambda v, b: wb.nn.bias_add(v, b * b, data_format="NCHW"),
         [uniform(-1, 1, (1, 2, 2, 3), 40), uniform(-1, 1, (2,), 41)]),
    Case("softmax", lambda x: wb.nn.softmax(x) * x, [L]),
    Case("softmax axis 0", lambda x: wb.nn.softmax(x, axis=0), [L]),
    Case("log_softmax", lambda x: wb.nn.log_softmax(x) * x, [L]),
    Case("sigmoid_cross_entropy_with_logits",
         lambda z, x: wb.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x), [Z, L]),
    Case("weighted_cross_entropy_with_logits",
         lambda z, x: wb.nn.weighted_cross_entropy_with_logits(z, x, pos_weight=2.5), [Z, L]),
    # TF's rule gives the labels no second derivative (the true mixed one is -1): first order in both,
    # second order in the logits
    Case("softmax_cross_entropy_with_logits",
         lambda p, x: wb.nn.softmax_cross_entropy_with_logits(p, x), [P, L], order=1),
    Case("softmax_cross_entropy_with_logits, second order in the logits",
         lambda x: wb.nn.softmax_cross_entropy_with_logits(wb.constant(P.T), x, axis=0), [L.T]),
    Case("sparse_softmax_cross_entropy_with_logits",
         lambda x: wb.nn.sparse_softmax_cross_entropy_with_logits(np.array([3, 0]), x), [L]),
    Case("log_poisson_loss full",
         lambda c: wb.nn.log_poisson_loss(wb.constant([[0.0, 1.0, 2.0, 5.0], [3.0, 0.5, 1.0, 4.0]],
                                                      wb.float64), c, compute_full_loss=True), [L]),
    # first order only: as TF, the variance's gradient stops at the mean (test_tf_gradient_golden.py)
    Case("moments", lambda x: wb.nn.moments(x, axes=[0, 2]), [uniform(-1, 1, (2, 3, 2), 42)], order=1),
    Case("moments keepdims", lambda x: wb.nn.moments(x, axes=[1], keepdims=True)[1], [A], order=1),
    Case("normalize_moments", lambda s, ss: wb.nn.normalize_moments(4.0, s, ss, shift=0.5),
         [uniform(-1, 1, (3,), 43), uniform(1, 2, (3,), 44)]),
    Case("batch_normalization",
         lambda x, m, v, o, s: wb.nn.batch_normalization(x, m, v, o, s, variance_epsilon=1e-3),
         [A, uniform(-1, 1, (3,), 45), uniform(0.5, 1.5, (3,), 46), uniform(-1, 1, (3,), 47),
          uniform(0.5, 1.5, (3,), 48)]),
    Case("l2_normalize", lambda x: wb.nn.l2_normalize(x, axis=1), [A]),
    Case("embedding_lookup", lambda p: wb.nn.embedding_lookup(p, [[2, 0], [2, 2]]), [A.T.copy()]),
    Case("embedding_lookup max_norm",
         lambda p: wb.nn.embedding_lookup([p[:1], p[1:]], [0, 2, 1], max_norm=1.5), [A.T.copy()]),
    Case("conv2d VALID", lambda x, w: wb.nn.conv2d(x, w, strides=1, padding="VALID"), [X4, W4]),
    Case("conv2d SAME strided", lambda x, w: wb.nn.conv2d(x, w, strides=2, padding="SAME"), [X4, W4]),
    Case("conv2d dilated explicit NCHW",
         lambda x, w: wb.nn.conv2d(x, w, strides=1, padding=[[0, 0], [0, 0], [1, 0], [0, 1]],
                                   data_format="NCHW", dilations=2), [X4.transpose(0, 3, 1, 2).copy(), W4]),
    Case("depthwise_conv2d", lambda x, w: wb.nn.depthwise_conv2d(x, w, [1, 2, 2, 1], "SAME"),
         [X4, uniform(-1, 1, (2, 2, 2, 3), 51)]),
    Case("depthwise_conv2d dilated VALID NCHW",
         lambda x, w: wb.nn.depthwise_conv2d(x, w, 1, "VALID", data_format="NCHW", dilations=[2, 1]),
         [X4.transpose(0, 3, 1, 2).copy(), uniform(-1, 1, (2, 2, 2, 1), 52)]),
    Case("conv2d_transpose",
         lambda y, w: wb.nn.conv2d_transpose(y, w, output_shape=[1, 4, 4, 2], strides=2, padding="SAME"),
         [uniform(-1, 1, (1, 2, 2, 2), 49), W4]),
    Case("max_pool2d VALID", lambda x: wb.nn.max_pool2d(x, 2, 2, "VALID"), [_pool_input()]),
    Case("max_pool2d SAME overlapping", lambda x: wb.nn.max_pool2d(x * x, 3, 2, "SAME"), [_pool_input()]),
    Case("max_pool2d gradient", _max_pool_grad_of, [_pool_input(), U4]),
    Case("avg_pool2d SAME", lambda x: wb.nn.avg_pool2d(x * x, 2, 2, "SAME"), [X5]),
    Case("avg_pool2d VALID NCHW", lambda x: wb.nn.avg_pool2d(x, [2, 3], 1, "VALID", data_format="NCHW"),
         [uniform(-1, 1, (1, 2, 3, 4), 50)]),
]

# convolution and pooling over 1 and 3 spatial dimensions, and the rank-generic forms
X3 = uniform(-1, 1, (2, 5, 2), 60)                  # NWC input
W3 = uniform(-1, 1, (3, 2, 3), 61)                  # [KW, C, O]
X5D = uniform(-1, 1, (1, 3, 3, 3, 2), 62)           # NDHWC input
W5D = uniform(-1, 1, (2, 2, 2, 2, 2), 63)           # [KD, KH, KW, C, O]


def _pool_input_nd(shape, seed):
    # distinct values, well apart, so no window has a near-tie
    n = int(np.prod(shape))
    return np.random.default_rng(seed).permutation(n).reshape(shape) * 0.1 - 0.05 * n


def _max_pool3d_grad_of(x, u):
    with GradientTape() as tape:
        tape.watch(x)
        y = wb.nn.max_pool3d(x, 2, 1, "VALID")
    return tape.gradient(y, x, output_gradients=u)


def _max_pool1d_grad_of(x, u):
    with GradientTape() as tape:
        tape.watch(x)
        y = wb.nn.max_pool1d(x, 2, 2, "VALID")
    return tape.gradient(y, x, output_gradients=u)


CASES += [
    Case("conv1d SAME strided", lambda x, w: wb.nn.conv1d(x, w, stride=2, padding="SAME"), [X3, W3]),
    Case("conv1d dilated explicit NCW",
         lambda x, w: wb.nn.conv1d(x, w, 1, [[0, 0], [0, 0], [1, 2]], data_format="NCW", dilations=2),
         [X3.transpose(0, 2, 1).copy(), W3]),
    Case("conv3d VALID strided", lambda x, w: wb.nn.conv3d(x, w, [1, 1, 2, 1, 1], "VALID"), [X5D, W5D]),
    Case("conv3d SAME NCDHW", lambda x, w: wb.nn.conv3d(x, w, 1, "SAME", data_format="NCDHW"),
         [X5D.transpose(0, 4, 1, 2, 3).copy(), W5D]),
    Case("convolution 1-D", lambda x, w: wb.nn.convolution(x, w, padding="SAME"), [X3, W3]),
    Case("conv1d_transpose",
         lambda y, w: wb.nn.conv1d_transpose(y, w, output_shape=[2, 5, 2], strides=2, padding="SAME"),
         [uniform(-1, 1, (2, 3, 3), 64), W3]),
    Case("conv3d_transpose",
         lambda y, w: wb.nn.conv3d_transpose(y, w, output_shape=[1, 3, 3, 3, 2], strides=2, padding="SAME"),
         [uniform(-1, 1, (1, 2, 2, 2, 2), 65), W5D]),
    Case("separable_conv2d",
         lambda x, dw, pw: wb.nn.separable_conv2d(x, dw, pw, strides=1, padding="SAME"),
         [X4, uniform(-1, 1, (2, 2, 2, 2), 66), uniform(-1, 1, (1, 1, 4, 3), 67)]),
    Case("max_pool1d VALID", lambda x: wb.nn.max_pool1d(x, 2, 2, "VALID"), [_pool_input_nd((2, 6, 2), 68)]),
    Case("max_pool1d SAME NCW", lambda x: wb.nn.max_pool1d(2.0 * x, 3, 2, "SAME", data_format="NCW"),
         [_pool_input_nd((1, 2, 5), 69)]),
    Case("max_pool1d gradient", _max_pool1d_grad_of,
         [_pool_input_nd((2, 6, 2), 68), uniform(-1, 1, (2, 3, 2), 70)]),
    Case("max_pool3d", lambda x: wb.nn.max_pool3d(x, 2, 1, "VALID"), [_pool_input_nd((1, 3, 3, 3, 2), 71)]),
    Case("max_pool3d gradient", _max_pool3d_grad_of,
         [_pool_input_nd((1, 3, 3, 3, 2), 71), uniform(-1, 1, (1, 2, 2, 2, 2), 72)]),
    Case("max_pool rank-generic", lambda x: wb.nn.max_pool(x, 2, 2, "SAME"), [_pool_input_nd((1, 3, 3, 3, 1), 73)]),
    Case("avg_pool1d SAME", lambda x: wb.nn.avg_pool1d(x * x, 2, 2, "SAME"), [uniform(-1, 1, (2, 5, 2), 74)]),
    Case("avg_pool3d SAME NCDHW", lambda x: wb.nn.avg_pool3d(x, [2, 2, 3], 2, "SAME", data_format="NCDHW"),
         [uniform(-1, 1, (1, 2, 3, 3, 3), 75)]),
    Case("avg_pool rank-generic", lambda x: wb.nn.avg_pool(x, 2, 1, "VALID"), [uniform(-1, 1, (1, 3, 2), 76)]),
    Case("pool AVG and MAX",
         lambda x: wb.nn.pool(x, [2, 2], "AVG", padding="SAME") + wb.nn.pool(x, [2, 2], "MAX", padding="SAME"),
         [_pool_input()]),
]
