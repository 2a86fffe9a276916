"""Glow (Kingma and Dhariwal, 2018): a normalizing flow from a vector onto an image ``[H, W, C]``
and its building blocks, with TFP's names: ``Glow``, ``GlowBlock`` (steps of actnorm, an
invertible 1x1 convolution and an affine coupling), ``OneByOneConv``,
``ActivationNormalization``, ``Expand`` (channels into space), ``ExitBijector`` and the default
coupling networks ``GlowDefaultNetwork`` / ``GlowDefaultExitNetwork`` (Keras ``Sequential``
models of ``Conv2D`` layers, made on first use so that importing the bijectors does not load
Keras).

``forward`` runs from the latent vector to the image (sampling a ``TransformedDistribution``),
``inverse`` from the image to the latent vector (its density). Going ``inverse``, each level
runs a ``GlowBlock`` on the channels still in play, squeezes 2x2 pixels into channels and lets
a fraction of the channels exit (their mean and scale conditioned on the channels that stay,
by the exit network); after the last level everything is flattened.

>>> glow = Glow(output_shape=(8, 8, 3), num_glow_blocks=2, num_steps_per_block=2, seed=1)
>>> z = glow.inverse(images)                  # images [batch, 8, 8, 3] -> z [batch, 192]
>>> glow.inverse_log_det_jacobian(images, event_ndims=3).shape
(batch,)
"""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import internal
from ..util.deferred_tensor import TransformedVariable
from .bijector import Bijector
from .chain import Chain
from .exp import Exp
from .identity import Identity
from .invert import Invert
from .real_nvp import RealNVP
from .reshape import Reshape
from .scale import Scale
from .scale_matvec_lu import ScaleMatvecLU
from .shift import Shift

# GlowDefaultNetwork and GlowDefaultExitNetwork are Keras models, made on first use (see the bottom)
# TFP exports only Glow (and its default networks); the blocks stay in this module, as in TFP's glow module
__all__ = ["Glow"]


# -- the pieces of one step ----------------------------------------------------------------------


class ActivationNormalization(Bijector):
    """ActNorm: a per-channel affine map ``forward(x) = x / s - m`` (``inverse(y) = s (y + m)``),
    with ``m`` a Variable and ``s`` a positive ``TransformedVariable`` (``Exp``), set from the
    first batch it sees so that the data come out with zero mean and unit variance per channel
    (data-dependent initialization, as in the paper). ``log|det J| = -sum(log s)`` per pixel.
    """

    def __init__(self, nchan, dtype=np.float32, validate_args=False, name=None):
        parameters = dict(locals())
        self._initialized = False
        self._m = wb.Variable(wb.zeros([int(nchan)], dtype=dtype), name="actnorm/m")
        self._s = TransformedVariable(wb.ones([int(nchan)], dtype=dtype), Exp(), name="actnorm/s")
        super().__init__(forward_min_event_ndims=1, validate_args=validate_args, dtype=np.dtype(dtype),
                         parameters=parameters, name=name or "ActivationNormalization")

    def _maybe_init(self, t, inverse):
        if self._initialized:
            return
        axes = list(range(t.ndim - 1))
        m = wb.reduce_mean(t, axis=axes)
        s = wb.math.reduce_std(t, axis=axes) + 10.0 * float(np.finfo(np.dtype(t.dtype)).eps)
        if inverse:      # inverse(y) = s (y + m) standardizes y
            s, m = 1.0 / s, -m
        else:            # forward(x) = x / s - m standardizes x
            m = m / s
        self._m.assign(m)
        self._s.assign(s)
        self._initialized = True

    def _scale(self):
        return wb.convert_to_tensor(self._s)

    def _forward(self, x):
        self._maybe_init(x, inverse=False)
        return x / self._scale() - self._m

    def _inverse(self, y):
        self._maybe_init(y, inverse=True)
        return self._scale() * (y + self._m)

    def _forward_log_det_jacobian(self, x):
        self._maybe_init(x, inverse=False)
        return -wb.reduce_sum(wb.log(self._scale()))

    def _inverse_log_det_jacobian(self, y):
        self._maybe_init(y, inverse=True)
        return wb.reduce_sum(wb.log(self._scale()))


def _lu_of_random_rotation(n, seed, dtype):
    """TF's packed LU (``A[perm] = L U``) of a random orthonormal ``n x n`` matrix."""
    import scipy.linalg  # lazy: importing scipy.linalg costs more than the rest of the bijectors
    a = wb.random.stateless_uniform((n, n), seed=seed, dtype=np.float64).numpy()
    q = np.linalg.qr(a)[0]
    p, low, up = scipy.linalg.lu(q)          # q = p @ low @ up
    perm = np.argmax(p, axis=0)              # (p^T q)[i] = q[perm[i]]
    return (np.tril(low, -1) + up).astype(dtype), perm


class OneByOneConv(Bijector):
    """Glow's invertible 1x1 convolution: one ``event_size x event_size`` matrix applied to every
    pixel's channels, kept as a trainable pivoted LU factorization (``ScaleMatvecLU``) started
    at a random rotation; ``log|det J| = sum(log|diag(U)|)`` per pixel."""

    def __init__(self, event_size, seed=None, dtype=np.float32, validate_args=False, name=None):
        parameters = dict(locals())
        seed = internal.sanitize_seed(seed)
        lu, perm = _lu_of_random_rotation(int(event_size), seed, np.dtype(dtype))
        self._lower_upper = wb.Variable(lu, name="OneByOneConv/lower_upper")
        self._bijector = ScaleMatvecLU(self._lower_upper, perm, validate_args=validate_args)
        super().__init__(forward_min_event_ndims=1, is_constant_jacobian=True, validate_args=validate_args,
                         dtype=np.dtype(dtype), parameters=parameters, name=name or "OneByOneConv")

    @property
    def lower_upper(self):
        return self._lower_upper

    def _forward(self, x):
        return self._bijector.forward(x)

    def _inverse(self, y):
        return self._bijector.inverse(y)

    def _forward_log_det_jacobian(self, x):
        return self._bijector.forward_log_det_jacobian(x, event_ndims=1)


class Expand(Bijector):
    """Channels into space: ``[h, w, c]`` -> ``[2h, 2w, c / 4]``, each 1x1x4 tile of the input
    becoming a 2x2x1 tile of the output (the inverse is Glow's squeeze). A permutation:
    ``log|det J| = 0``."""

    def __init__(self, input_shape, block_size=2, validate_args=False, name=None):
        parameters = dict(locals())
        h, w, c = (int(d) for d in tuple(input_shape)[-3:])
        n = int(block_size)
        if c % (n * n):
            raise ValueError(f"Expand: the channels ({c}) of `input_shape` must divide by block_size**2 ({n * n})")
        self._shape_in, self._n = (h, w, c), n
        super().__init__(forward_min_event_ndims=3, is_constant_jacobian=True, validate_args=validate_args,
                         parameters=parameters, name=name or "Expand")

    def _forward(self, x):
        (h, w, c), n = self._shape_in, self._n
        batch = tuple(x.shape[:-3])
        t = wb.reshape(x, batch + (h, w, c // (n * n), n, n))
        k = len(batch)
        t = wb.transpose(t, list(range(k)) + [k, k + 3, k + 1, k + 4, k + 2])
        return wb.reshape(t, batch + (h * n, w * n, c // (n * n)))

    def _inverse(self, y):
        (h, w, c), n = self._shape_in, self._n
        batch = tuple(y.shape[:-3])
        k = len(batch)
        t = wb.reshape(y, batch + (h, n, w, n, c // (n * n)))
        t = wb.transpose(t, list(range(k)) + [k, k + 2, k + 4, k + 1, k + 3])
        return wb.reshape(t, batch + (h, w, c))

    def _forward_log_det_jacobian(self, x):
        return wb.zeros([], dtype=x.dtype)

    def _forward_event_shape(self, shape):
        h, w, c = shape[-3:]
        return tuple(shape[:-3]) + (h * self._n, w * self._n, c // (self._n * self._n))

    def _inverse_event_shape(self, shape):
        h, w, c = shape[-3:]
        return tuple(shape[:-3]) + (h // self._n, w // self._n, c * self._n * self._n)


class _Channelwise(Bijector):
    """``bijectors[k]`` on the ``k``-th run of ``sizes`` channels of an image (TFP's ``Blockwise``
    over the last axis, with the image as the event)."""

    def __init__(self, bijectors, sizes, name="channelwise"):
        self._bijectors = list(bijectors)
        self._sizes = [int(s) for s in sizes]
        super().__init__(forward_min_event_ndims=3, name=name)

    def _split(self, t):
        return wb.split(t, self._sizes, axis=-1)

    def _forward(self, x):
        return wb.concat([b.forward(p) for b, p in zip(self._bijectors, self._split(x))], axis=-1)

    def _inverse(self, y):
        return wb.concat([b.inverse(p) for b, p in zip(self._bijectors, self._split(y))], axis=-1)

    def _forward_log_det_jacobian(self, x):
        terms = [b.forward_log_det_jacobian(p, event_ndims=3) for b, p in zip(self._bijectors, self._split(x))]
        return sum(terms[1:], terms[0])

    def _inverse_log_det_jacobian(self, y):
        terms = [b.inverse_log_det_jacobian(p, event_ndims=3) for b, p in zip(self._bijectors, self._split(y))]
        return sum(terms[1:], terms[0])


# -- couplings ---------------------------------------------------------------------------------------


def _apply_image_layer(layer, x):
    """``layer`` on images with any batch shape (Keras' Conv2D wants exactly one batch dim)."""
    batch = tuple(x.shape[:-3])
    flat = wb.reshape(x, (-1,) + tuple(x.shape[-3:])) if len(batch) != 1 else x
    out = layer(flat)
    return out if len(batch) == 1 else wb.reshape(out, batch + tuple(out.shape[-3:]))


def _coupling_fn(layer, target_channels, scale_fn):
    """RealNVP's ``bijector_fn`` from a network: 2 x ``target_channels`` outputs give an affine
    coupling ``Shift(b) o Scale(scale_fn(a + 2))``, ``target_channels`` outputs a shift (additive
    coupling); a network may also return a Bijector."""
    def bijector_fn(masked, _units):
        out = _apply_image_layer(layer, masked)
        if isinstance(out, Bijector):
            return out
        c = target_channels
        if out.shape[-1] == 2 * c:
            return Chain([Shift(out[..., c:]), Scale(scale_fn(out[..., :c] + 2.0))])
        if out.shape[-1] == c:
            return Shift(out)
        raise ValueError(f"Glow: the coupling network returned {out.shape[-1]} channels; expected {c} (additive "
                         f"coupling) or {2 * c} (affine coupling), or a Bijector")
    return bijector_fn


class GlowBlock(Chain):
    """``num_steps`` steps of the flow on images of ``input_shape`` ``[h, w, c]``; going inverse
    (image to latent), each step is ``ActivationNormalization`` (if ``use_actnorm``), a
    ``OneByOneConv`` and an affine coupling of the second half of the channels on the first
    (``coupling_bijector_fn(input_shape_of_the_half)`` makes its network)."""

    def __init__(self, input_shape, num_steps, coupling_bijector_fn, use_actnorm=True, seedstream=None,
                 dtype=np.float32):
        input_shape = tuple(int(d) for d in input_shape)
        nchan = input_shape[-1]
        if nchan < 2:
            raise ValueError(f"GlowBlock: a coupling needs at least 2 channels, got input_shape {input_shape}")
        seeds = seedstream if seedstream is not None else _seed_stream(None)
        steps = []          # forward order (latent to image): each step's coupling, 1x1 conv, actnorm undone
        self.coupling_layers = []
        for _ in range(int(num_steps)):
            layer = coupling_bijector_fn(input_shape[:-1] + (nchan // 2,))
            self.coupling_layers.append(layer)   # where trainable_variables finds it
            steps.append(Invert(RealNVP(nchan // 2, bijector_fn=_coupling_fn(layer, nchan - nchan // 2,
                                                                              wb.sigmoid))))
            steps.append(Invert(OneByOneConv(nchan, seed=seeds(), dtype=dtype)))
            if use_actnorm:
                steps.append(ActivationNormalization(nchan, dtype=dtype))
        super().__init__(steps[::-1], name="glow_block")     # Chain applies its last bijector first


class ExitBijector(Chain):
    """Where channels leave Glow: of the ``nleave + ngrab`` channels in play, the ``ngrab``
    exiting ones get a shift and scale from the ``nleave`` staying ones (``exit_bijector_fn``'s
    network, scale ``exp``); the ``npass`` channels that left earlier pass unchanged."""

    def __init__(self, input_shape, blockwise_splits, coupling_bijector_fn=None):
        nleave, ngrab, npass = (int(s) for s in blockwise_splits)
        input_shape = tuple(int(d) for d in input_shape)
        if nleave == 0 or ngrab == 0:
            self.exit_layer = None
            shift = Identity()
        else:
            self.exit_layer = coupling_bijector_fn(input_shape[:-1] + (nleave,), output_chan=ngrab)
            shift = RealNVP(num_masked=nleave, bijector_fn=_coupling_fn(self.exit_layer, ngrab, wb.exp))
        inner = shift if npass == 0 else _Channelwise([shift, Identity()], [nleave + ngrab, npass])
        super().__init__([inner], name="exit_bijector")


# -- Glow ---------------------------------------------------------------------------------------------


def _seed_stream(seed):
    state = {"seed": internal.sanitize_seed(seed), "n": 0}

    def next_seed():
        state["n"] += 1
        return internal.split_seed(state["seed"], 1, salt=f"glow/{state['n']}")[0]
    return next_seed


def _blockwise_splits(output_shape, grab_after_block):
    """Per level (from the smallest image up): channels that stay, exit, and exited earlier."""
    splits, npass = [], 0
    for i, frac in enumerate(grab_after_block):      # from the full image down
        nchan = 4 ** (i + 1) * output_shape[-1]
        ngrab = int((nchan - npass) * frac)
        splits.append([nchan - ngrab - npass, ngrab, npass])
        npass = (npass + ngrab) * 4
    return splits[::-1]


class Glow(Chain):
    """TFP's ``Glow``: a vector of ``H * W * C`` reals onto an image ``output_shape = [H, W, C]``
    (see the module docstring).

    ``num_glow_blocks`` levels (``H`` and ``W`` must divide by ``2**num_glow_blocks``) of
    ``num_steps_per_block`` steps; ``coupling_bijector_fn(input_shape)`` and
    ``exit_bijector_fn(input_shape, output_chan)`` make the coupling networks (default
    ``GlowDefaultNetwork`` and ``GlowDefaultExitNetwork``); ``grab_after_block`` is the fraction
    of the remaining channels that exits after each level (default a half, none after the
    last); ``seed`` draws the 1x1 convolutions' starting rotations.
    """

    def __init__(self, output_shape=(32, 32, 3), num_glow_blocks=3, num_steps_per_block=32,
                 coupling_bijector_fn=None, exit_bijector_fn=None, grab_after_block=None, use_actnorm=True,
                 seed=None, validate_args=False, name="glow", dtype=np.float32):
        shape = tuple(int(d) for d in output_shape)
        if len(shape) != 3:
            raise ValueError(f"Glow: `output_shape` must be [H, W, C] (an image), got {list(output_shape)}")
        n = int(num_glow_blocks)
        if n < 1:
            raise ValueError(f"Glow: `num_glow_blocks` must be a positive int, got {num_glow_blocks!r}")
        h, w, c = shape
        if h % 2 ** n or w % 2 ** n:
            raise ValueError(f"Glow: the image height and width ({h}, {w}) must divide by 2**num_glow_blocks "
                             f"({2 ** n})")
        grab = tuple([0.5] * (n - 1) + [0.0]) if grab_after_block is None else tuple(grab_after_block)
        if len(grab) != n:
            raise ValueError(f"Glow: `grab_after_block` must have one entry per block ({n}), got {len(grab)}")
        splits = _blockwise_splits(shape, grab)
        if any(s[0] < 1 for s in splits):
            raise ValueError(f"Glow: `grab_after_block` {list(grab)} lets every channel exit at some level; "
                             "later blocks would have no input")
        coupling_bijector_fn = coupling_bijector_fn or _default_network_fn
        exit_bijector_fn = exit_bijector_fn or _default_exit_network_fn
        self._blockwise_splits = splits
        seeds = _seed_stream(seed)
        chain = [Reshape(event_shape_out=[h // 2 ** n, w // 2 ** n, c * 4 ** n], event_shape_in=[h * w * c])]
        for i in range(n):
            side = (h // 2 ** n * 2 ** i, w // 2 ** n * 2 ** i)
            current = side + (c * 4 ** (n - i),)
            in_play = sum(splits[i][:2])
            chain.append(Invert(ExitBijector(current, splits[i], exit_bijector_fn)))
            block = GlowBlock(side + (in_play,), num_steps_per_block, coupling_bijector_fn, use_actnorm, seeds,
                              dtype=dtype)
            chain.append(block if splits[i][2] == 0 else _Channelwise([block, Identity()], [in_play, splits[i][2]]))
            chain.append(Expand(side + (c * 4 ** n // 4 ** i,)))
        super().__init__(chain[::-1], validate_args=validate_args, name=name)

    @property
    def blockwise_splits(self):
        return [list(s) for s in self._blockwise_splits]


# -- the default networks (Keras, made on first use) ----------------------------------------------------

_network_classes = {}


def _keras_classes():
    """``GlowDefaultNetwork`` and ``GlowDefaultExitNetwork``, made from ``wb.keras.Sequential``."""
    if not _network_classes:
        keras = wb.keras

        class GlowDefaultNetwork(keras.Sequential):
            """Glow's default coupling network: ``Conv2D(num_hidden, kernel_shape)`` and
            ``Conv2D(num_hidden, 1)`` (ReLU, He-normal), then a zero-initialized
            ``Conv2D(2 c, kernel_shape)`` giving the scale and shift (an identity coupling at
            the start)."""

            def __init__(self, input_shape, num_hidden=400, kernel_shape=3):
                conv = dict(padding="same", kernel_initializer=keras.initializers.he_normal(), activation="relu")
                super().__init__([
                    keras.layers.Input(shape=tuple(input_shape)),
                    keras.layers.Conv2D(num_hidden, kernel_shape, **conv),
                    keras.layers.Conv2D(num_hidden, 1, **conv),
                    keras.layers.Conv2D(2 * int(input_shape[-1]), kernel_shape, padding="same",
                                        kernel_initializer="zeros", bias_initializer="zeros")])

        class GlowDefaultExitNetwork(keras.Sequential):
            """Glow's default exit network: one zero-initialized ``Conv2D(2 output_chan, kernel_shape)``."""

            def __init__(self, input_shape, output_chan, kernel_shape=3):
                super().__init__([
                    keras.layers.Input(shape=tuple(input_shape)),
                    keras.layers.Conv2D(2 * int(output_chan), kernel_shape, padding="same",
                                        kernel_initializer="zeros", bias_initializer="zeros")])

        for cls in (GlowDefaultNetwork, GlowDefaultExitNetwork):
            cls.__module__ = __name__
            cls.__qualname__ = cls.__name__
            _network_classes[cls.__name__] = cls
    return _network_classes


def _default_network_fn(input_shape):
    return _keras_classes()["GlowDefaultNetwork"](input_shape)


def _default_exit_network_fn(input_shape, output_chan):
    return _keras_classes()["GlowDefaultExitNetwork"](input_shape, output_chan)


def __getattr__(name):
    # the Keras-based networks are made on first use, so importing the bijectors does not load Keras
    if name in ("GlowDefaultNetwork", "GlowDefaultExitNetwork"):
        return _keras_classes()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
