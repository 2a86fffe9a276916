"""Keras' ``StringLookup``: string tokens to contiguous indices, or back."""

from __future__ import annotations

import numpy as np

from .... import core
from ....errors import argcheck
from ....strings.hashes import fingerprint64
from ..base import Layer
from .common import batches, check_output_mode, encode, to_tensor


def _strings(x, where) -> np.ndarray:
    """``x`` (a string tensor, str/bytes, lists or a NumPy array) as an object array of bytes."""
    if isinstance(x, core.Tensor):
        if x.dtype.kind != "O":
            raise ValueError(f"{where}: inputs must be strings, got a tensor of dtype {x.dtype}")
        return np.asarray(x.numpy(), dtype=object)
    try:
        return core.string_array(x)
    except TypeError as exc:
        raise ValueError(f"{where}: inputs must be strings: {exc}") from None


def _token(value, what, where):
    if value is None:
        return None
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, bytes):
        return value
    raise TypeError(f"{where}: {what} must be a str, got {value!r} ({type(value).__name__})")


class StringLookup(Layer):
    """Map string tokens to contiguous indices (Keras' ``StringLookup``), or back (``invert``).

    Index layout: ``mask_token`` (if given, in ``"int"`` mode; other modes drop mask tokens from
    their encodings) is index 0; then ``num_oov_indices`` out-of-vocabulary indices (an unknown
    token goes to ``Fingerprint64(token) % num_oov_indices`` among them, TF's
    ``to_hash_bucket_fast``); then the vocabulary in order. ``vocabulary`` (a list or a file of
    one token a line) is given, or learned by :meth:`adapt` (by decreasing count, ties by
    decreasing token; at most ``max_tokens`` indices in all). ``output_mode``: ``"int"``
    (int64), ``"one_hot"``, ``"multi_hot"`` or ``"count"`` over :meth:`vocabulary_size`
    indices. With ``invert=True`` indices become tokens (OOV indices, and indices past the
    vocabulary, give ``oov_token``).

    >>> layer = StringLookup(vocabulary=["a", "b"])
    >>> layer(wb.constant(["b", "z", "a"])).numpy()
    array([2, 0, 1])
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]", vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", pad_to_max_tokens=False, sparse=False,
                 encoding="utf-8", **kwargs):
        super().__init__(**kwargs)
        where = "StringLookup"
        if sparse:
            raise ValueError(f"{where}: sparse=True is not supported (outputs are dense)")
        if idf_weights is not None or output_mode == "tf_idf":
            raise ValueError(f"{where}: output_mode='tf_idf' (and idf_weights) is not supported; use 'int', "
                             "'one_hot', 'multi_hot' or 'count'")
        if str(encoding).lower().replace("-", "") != "utf8":
            raise ValueError(f"{where}: encoding must be 'utf-8', got {encoding!r}")
        self.max_tokens = None if max_tokens is None else argcheck.integer(max_tokens, "max_tokens", where,
                                                                           minimum=2)
        self.num_oov_indices = argcheck.integer(num_oov_indices, "num_oov_indices", where, minimum=0)
        self.mask_token = _token(mask_token, "mask_token", where)
        self.oov_token = _token(oov_token, "oov_token", where)
        self.encoding = encoding
        self.invert = bool(invert)
        self.output_mode = check_output_mode(output_mode, where)
        if self.invert and self.output_mode != "int":
            raise ValueError(f"{where}: invert=True needs output_mode='int', got {output_mode!r}")
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        if self.pad_to_max_tokens and self.max_tokens is None:
            raise ValueError(f"{where}: pad_to_max_tokens=True needs max_tokens")
        self.sparse = False
        self.input_vocabulary = None
        self._vocab: list = []
        if vocabulary is not None:
            if isinstance(vocabulary, str):
                with open(vocabulary, encoding="utf-8") as f:
                    vocabulary = [line.rstrip("\n") for line in f if line.rstrip("\n")]
            self.set_vocabulary(vocabulary)
            self.input_vocabulary = [t.decode("utf-8") for t in self._vocab]

    def _mask_index(self):
        return self.mask_token is not None and self.output_mode == "int"

    def _special(self):
        return int(self._mask_index()) + self.num_oov_indices

    def _head(self):
        return ([self.mask_token] if self._mask_index() else []) + [self.oov_token] * self.num_oov_indices

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Use ``vocabulary`` (distinct strings) from now on; a vocabulary that starts with the
        special tokens (as :meth:`get_vocabulary` gives it) has them taken off."""
        vocab = list(_strings(vocabulary, "StringLookup: vocabulary").ravel())
        head = self._head()
        if head and vocab[:len(head)] == head:
            vocab = vocab[len(head):]
        if self.num_oov_indices and self.oov_token in vocab:
            raise ValueError(f"StringLookup: the vocabulary holds the oov_token {self.oov_token!r} after the "
                             "special tokens; give it first, or not at all")
        if len(set(vocab)) != len(vocab):
            raise ValueError(f"StringLookup: vocabulary must not repeat a token, got {vocab}")
        if self.mask_token is not None and self.mask_token in vocab:
            raise ValueError(f"StringLookup: the vocabulary must not hold the mask_token {self.mask_token!r}")
        if self.max_tokens is not None and len(vocab) + self._special() > self.max_tokens:
            raise ValueError(f"StringLookup: {len(vocab)} tokens plus {self._special()} special indices exceed "
                             f"max_tokens={self.max_tokens}")
        self._vocab = vocab

    def adapt(self, data, steps=None):
        """Learn the vocabulary from ``data`` (strings, a string tensor or a Dataset of them): by
        decreasing count, ties by decreasing token; the mask and OOV tokens are left out."""
        counts: dict = {}
        where = f"StringLookup '{self.name}'"
        for i, batch in enumerate(batches(data, where)):
            if steps is not None and i >= steps:
                break
            for t in _strings(batch, where).ravel():
                counts[t] = counts.get(t, 0) + 1
        for special in (self.mask_token, self.oov_token):
            counts.pop(special, None)
        ranked = [t for t, _ in sorted(counts.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)]
        if self.max_tokens is not None:
            ranked = ranked[:max(self.max_tokens - self._special(), 0)]
        self._vocab = ranked

    def get_vocabulary(self, include_special_tokens=True):
        """The token at each index: ``[mask_token] + [oov_token] * num_oov_indices + vocabulary``
        (the vocabulary's entries ``np.str_``, the special ones Python strings, as Keras 3.15)."""
        head = [t.decode("utf-8") for t in self._head()] if include_special_tokens else []
        return head + [np.str_(t.decode("utf-8")) for t in self._vocab]

    def vocabulary_size(self):
        """The number of indices, special ones included."""
        return self._special() + len(self._vocab)

    def call(self, inputs):
        where = f"StringLookup '{self.name}'"
        if self.invert:
            idx = np.asarray(inputs.numpy() if isinstance(inputs, core.Tensor) else inputs)
            if idx.dtype.kind not in "iu":
                raise ValueError(f"{where}: with invert=True inputs must be integer indices, got dtype {idx.dtype}")
            table = self._head() + self._vocab
            out = np.empty(idx.shape, dtype=object)
            for pos in np.ndindex(idx.shape):
                i = int(idx[pos])
                # an OOV index, or one past the table, gives oov_token (Keras' default value)
                known = self._special() <= i < len(table) or (i == 0 and self._mask_index())
                out[pos] = table[i] if known else self.oov_token
            return core.wrap_constant(out)
        x = _strings(inputs, where)
        index = {t: i + self._special() for i, t in enumerate(self._vocab)}
        mask_base = int(self._mask_index())
        out = np.empty(x.shape, dtype=np.int64)
        masked = np.zeros(x.shape, dtype=bool)
        for pos in np.ndindex(x.shape):
            t = x[pos]
            if self.mask_token is not None and t == self.mask_token:
                masked[pos] = True
                out[pos] = 0
            elif t in index:
                out[pos] = index[t]
            elif self.num_oov_indices == 0:
                raise ValueError(f"{where}: token {t!r} is not in the vocabulary and num_oov_indices=0")
            else:
                out[pos] = mask_base + (fingerprint64(t) % self.num_oov_indices if self.num_oov_indices > 1 else 0)
        depth = self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()
        if self.output_mode == "int" or self.mask_token is None:
            return to_tensor(encode(out, depth, self.output_mode, np.int64, where))
        # other modes drop mask tokens: they add nothing to the encoding
        weights = np.where(masked, 0.0, 1.0)
        if self.output_mode == "one_hot":
            encoded = encode(out, depth, "one_hot", np.int64, where)
            keep = weights[..., 0:1] if weights.ndim > 1 and weights.shape[-1] == 1 else weights[..., None]
            return to_tensor((encoded * keep).astype(np.int64))
        encoded = encode(out, depth, "count", np.float64, where, count_weights=weights)
        if self.output_mode == "multi_hot":
            encoded = encoded > 0
        return to_tensor(encoded.astype(np.int64))

    def get_config(self):
        def text(t):
            return None if t is None else t.decode("utf-8")
        return {**super().get_config(), "max_tokens": self.max_tokens, "num_oov_indices": self.num_oov_indices,
                "mask_token": text(self.mask_token), "oov_token": text(self.oov_token),
                "vocabulary": self.input_vocabulary, "idf_weights": None, "invert": self.invert,
                "output_mode": self.output_mode, "sparse": self.sparse,
                "pad_to_max_tokens": self.pad_to_max_tokens, "encoding": self.encoding}
