"""Categorical preprocessing: CategoryEncoding, Hashing and IntegerLookup (Keras' arguments and
index layouts).

>>> wb.keras.layers.CategoryEncoding(num_tokens=4, output_mode="one_hot")(wb.constant([3, 2, 0, 1])).numpy()
array([[0., 0., 0., 1.],
       [0., 0., 1., 0.],
       [1., 0., 0., 0.],
       [0., 1., 0., 0.]], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from ....errors import argcheck
from ..base import Layer
from .common import batches, check_output_mode, encode, host, to_tensor
from ....strings.hashes import fingerprint64, siphash24

__all__ = ["CategoryEncoding", "Hashing", "IntegerLookup"]


class CategoryEncoding(Layer):
    """Encode integer ids in ``[0, num_tokens)`` (Keras' ``CategoryEncoding``).

    ``output_mode``: ``"one_hot"`` (each id to a vector; a last axis of size 1 is encoded in
    place), ``"multi_hot"`` (default: each sample, the last axis, to one vector with 1 for each
    id present) or ``"count"`` (how often each id occurs; ``count_weights`` in the call sums
    weights instead). An id outside the range raises.
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if num_tokens is None:
            raise ValueError("CategoryEncoding: num_tokens must be given (the number of ids), got None")
        if sparse:
            raise ValueError("CategoryEncoding: sparse=True is not supported (outputs are dense)")
        self.num_tokens = argcheck.integer(num_tokens, "num_tokens", "CategoryEncoding", minimum=1)
        self.output_mode = check_output_mode(output_mode, "CategoryEncoding", ("one_hot", "multi_hot", "count"))
        self.sparse = False

    def call(self, inputs, count_weights=None):
        if count_weights is not None and self.output_mode != "count":
            raise ValueError(f"CategoryEncoding '{self.name}': count_weights needs output_mode='count', got "
                             f"{self.output_mode!r}")
        ids = _integers(inputs, f"CategoryEncoding '{self.name}'")
        out = encode(ids, self.num_tokens, self.output_mode, self.compute_dtype, f"CategoryEncoding '{self.name}'",
                     count_weights)
        return to_tensor(out, inputs)

    def get_config(self):
        return {**super().get_config(), "num_tokens": self.num_tokens, "output_mode": self.output_mode,
                "sparse": self.sparse}


def _integers(inputs, where):
    x = host(inputs)
    if x.dtype.kind not in "iub":
        if x.dtype.kind == "f" and np.all(np.mod(x, 1) == 0):
            return x.astype(np.int64)
        raise ValueError(f"{where}: inputs must be integer ids, got dtype {x.dtype}")
    return x.astype(np.int64)


class Hashing(Layer):
    """Hash values into ``num_bins`` bins (Keras' ``Hashing``), the same bins as Keras gives.

    Values are hashed as strings, as Keras does (integers as their decimal text): FarmHash's
    64-bit fingerprint by default, SipHash-2-4 keyed by ``salt`` (an int ``s`` means
    ``[s, s]``) otherwise; the bin is the hash modulo the number of bins. With ``mask_value``,
    that value goes to bin 0 and the rest hash into bins ``1 .. num_bins - 1``. Inputs may be
    integer arrays/tensors or (NumPy/Python) strings. ``output_mode`` ``"one_hot"``,
    ``"multi_hot"`` and ``"count"`` encode the bins as :class:`CategoryEncoding` does.

    What differs from Keras: the hashes are computed here in Python (so this is a preprocessing
    step, not a fast op). The bins match Keras' documented examples (FarmHash, a mask value,
    and SipHash with a salt); FarmHash's fingerprint of every length is checked against the
    reference implementation's values in tests/test_strings.py.

    >>> wb.keras.layers.Hashing(num_bins=3)(np.array([["A"], ["B"], ["C"], ["D"], ["E"]])).numpy().ravel().tolist()
    [1, 0, 1, 1, 2]
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if sparse:
            raise ValueError("Hashing: sparse=True is not supported (outputs are dense)")
        self.num_bins = argcheck.integer(num_bins, "num_bins", "Hashing", minimum=1)
        self.mask_value = mask_value
        if salt is None:
            self.salt = None
        elif isinstance(salt, int) and not isinstance(salt, bool):
            self.salt = [salt, salt]
        elif isinstance(salt, (list, tuple)) and len(salt) == 2 and all(isinstance(s, int) for s in salt):
            self.salt = [int(s) for s in salt]
        else:
            raise ValueError(f"Hashing: salt must be an integer or a pair of integers, got {salt!r}")
        self.output_mode = check_output_mode(output_mode, "Hashing")
        self.sparse = False

    def _hash(self, text: bytes, bins: int) -> int:
        h = fingerprint64(text) if self.salt is None else siphash24(self.salt, text)
        return h % bins

    def call(self, inputs):
        x = host(inputs)
        if x.dtype.kind not in "iuUSO":
            raise ValueError(f"Hashing '{self.name}': inputs must be integers or strings, got dtype {x.dtype}")
        bins = self.num_bins - 1 if self.mask_value is not None and self.num_bins > 1 else self.num_bins
        uniq, inverse = np.unique(x, return_inverse=True)
        codes = np.array([self._hash(_as_bytes(v), bins) for v in uniq], dtype=np.int64)
        if self.mask_value is not None:
            codes = codes + 1 if self.num_bins > 1 else codes
            codes[np.array([_same(v, self.mask_value) for v in uniq], dtype=bool)] = 0
        out = codes[inverse.reshape(x.shape)] if uniq.size else np.zeros(x.shape, np.int64)
        out = encode(out, self.num_bins, self.output_mode, self.compute_dtype, f"Hashing '{self.name}'")
        return to_tensor(out, inputs)

    def get_config(self):
        mask = self.mask_value.item() if isinstance(self.mask_value, np.generic) else self.mask_value
        return {**super().get_config(), "num_bins": self.num_bins, "mask_value": mask, "salt": self.salt,
                "output_mode": self.output_mode, "sparse": self.sparse}


def _as_bytes(v):
    if isinstance(v, bytes):
        return v
    if isinstance(v, (str, np.str_)):
        return str(v).encode("utf-8")
    return str(int(v)).encode("ascii")


def _same(v, mask):
    if isinstance(mask, (str, bytes)) or isinstance(v, (str, bytes, np.str_, np.bytes_)):
        return _as_bytes(v) == _as_bytes(mask) if isinstance(mask, (str, bytes)) else False
    return int(v) == int(mask)


class IntegerLookup(Layer):
    """Map integer tokens to contiguous indices (Keras' ``IntegerLookup``), or back (``invert``).

    Index layout: ``mask_token`` (if given, in ``"int"`` mode; other modes drop mask tokens from
    their encodings) is index 0; then ``num_oov_indices`` out-of-vocabulary
    indices (an unknown token ``t`` goes to ``floormod(t, num_oov_indices)`` among them); then
    the vocabulary in order. ``vocabulary`` is given, or learned by :meth:`adapt` (tokens by
    decreasing count, ties by decreasing token, as Keras; at most ``max_tokens`` indices in
    all). ``output_mode``: ``"int"``, ``"one_hot"``, ``"multi_hot"`` or ``"count"`` over
    :meth:`vocabulary_size` indices (``pad_to_max_tokens`` widens them to ``max_tokens``).
    With ``invert=True`` indices become tokens (OOV indices give ``oov_token``).
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1, vocabulary=None,
                 vocabulary_dtype="int64", idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, **kwargs):
        super().__init__(**kwargs)
        where = "IntegerLookup"
        if sparse:
            raise ValueError(f"{where}: sparse=True is not supported (outputs are dense)")
        if idf_weights is not None or output_mode == "tf_idf":
            raise ValueError(f"{where}: output_mode='tf_idf' (and idf_weights) is not supported; use 'int', "
                             "'one_hot', 'multi_hot' or 'count'")
        self.max_tokens = None if max_tokens is None else argcheck.integer(max_tokens, "max_tokens", where,
                                                                           minimum=1)
        self.num_oov_indices = argcheck.integer(num_oov_indices, "num_oov_indices", where, minimum=0)
        self.mask_token = None if mask_token is None else argcheck.integer(mask_token, "mask_token", where)
        self.oov_token = argcheck.integer(oov_token, "oov_token", where)
        if vocabulary_dtype != "int64":
            raise ValueError(f"{where}: vocabulary_dtype must be 'int64' (as in Keras), got {vocabulary_dtype!r}")
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"{where}: max_tokens must be greater than 1, got {max_tokens!r}")
        self.vocabulary_dtype = vocabulary_dtype
        self.invert = bool(invert)
        self.output_mode = check_output_mode(output_mode, where)
        if self.invert and self.output_mode != "int":
            raise ValueError(f"{where}: invert=True needs output_mode='int', got {output_mode!r}")
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        if self.pad_to_max_tokens and self.max_tokens is None:
            raise ValueError(f"{where}: pad_to_max_tokens=True needs max_tokens")
        self.sparse = False
        self.input_vocabulary = None
        self._vocab = np.zeros(0, np.int64)
        if vocabulary is not None:
            self.set_vocabulary(vocabulary)
            self.input_vocabulary = self._vocab.tolist()

    def _mask_index(self):
        """Whether index 0 is the mask: only in "int" mode (other modes drop mask tokens)."""
        return self.mask_token is not None and self.output_mode == "int"

    def _special(self):
        return int(self._mask_index()) + self.num_oov_indices

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Use ``vocabulary`` (distinct integers) from now on; a vocabulary that starts with the
        special tokens (as :meth:`get_vocabulary` gives it) has them taken off."""
        vocab = np.asarray(host(vocabulary)).ravel()
        if vocab.size and vocab.dtype.kind not in "iu":
            raise ValueError(f"IntegerLookup: vocabulary must hold integers, got dtype {vocab.dtype}")
        vocab = vocab.astype(np.int64)
        special = ([self.mask_token] if self._mask_index() else []) + [self.oov_token] * self.num_oov_indices
        if special and vocab[:len(special)].tolist() == special:
            vocab = vocab[len(special):]
        if self.num_oov_indices and np.any(vocab == self.oov_token):
            raise ValueError(f"IntegerLookup: the vocabulary holds the oov_token {self.oov_token} after the special "
                             "tokens; give it first, or not at all")
        if np.unique(vocab).size != vocab.size:
            raise ValueError(f"IntegerLookup: vocabulary must not repeat a token, got {vocab.tolist()}")
        if self.mask_token is not None and np.any(vocab == self.mask_token):
            raise ValueError(f"IntegerLookup: the vocabulary must not hold the mask_token {self.mask_token}")
        if self.max_tokens is not None and vocab.size + self._special() > self.max_tokens:
            raise ValueError(f"IntegerLookup: {vocab.size} tokens plus {self._special()} special indices exceed "
                             f"max_tokens={self.max_tokens}")
        self._vocab = vocab

    def adapt(self, data, steps=None):
        """Learn the vocabulary from ``data`` (an array, tensor or Dataset): by decreasing count,
        ties by decreasing token; the mask and OOV tokens are left out."""
        tokens, counts = {}, None
        for i, batch in enumerate(batches(data, f"IntegerLookup '{self.name}'")):
            if steps is not None and i >= steps:
                break
            u, c = np.unique(np.asarray(batch).ravel().astype(np.int64), return_counts=True)
            for t, n in zip(u.tolist(), c.tolist()):
                tokens[t] = tokens.get(t, 0) + n
        for special in (self.mask_token, self.oov_token):
            tokens.pop(special, None)
        toks = np.array(list(tokens), dtype=np.int64)
        counts = np.array(list(tokens.values()), dtype=np.int64)
        order = np.lexsort((toks, counts))[::-1]
        if self.max_tokens is not None:
            order = order[:max(self.max_tokens - self._special(), 0)]
        self._vocab = toks[order]

    def get_vocabulary(self, include_special_tokens=True):
        """The token at each index: ``[mask_token] + [oov_token] * num_oov_indices + vocabulary``
        (the vocabulary's entries NumPy ``int64`` scalars, the special ones Python ints, as Keras 3.15)."""
        vocab = list(self._vocab)
        if not include_special_tokens:
            return vocab
        head = ([self.mask_token] if self._mask_index() else []) + [self.oov_token] * self.num_oov_indices
        return head + vocab

    def vocabulary_size(self):
        """The number of indices, special ones included."""
        return self._special() + int(self._vocab.size)

    def call(self, inputs):
        x = host(inputs)
        where = f"IntegerLookup '{self.name}'"
        if x.dtype.kind not in "iu":
            raise ValueError(f"{where}: inputs must be integers, got dtype {x.dtype}")
        x = x.astype(np.int64)
        start = self._special()
        if self.invert:
            table = np.array(self.get_vocabulary(), dtype=np.int64)
            if x.size and (x.min() < 0 or x.max() >= table.size):
                bad = x[(x < 0) | (x >= table.size)].ravel()[0]
                raise ValueError(f"{where}: an index must be in [0, {table.size}), got {bad}")
            return to_tensor(table[x], inputs)
        if self._vocab.size:
            order = np.argsort(self._vocab, kind="stable")
            sorted_vocab = self._vocab[order]
            pos = np.minimum(np.searchsorted(sorted_vocab, x), sorted_vocab.size - 1)
            found = sorted_vocab[pos] == x
            out = np.where(found, order[pos] + start, 0)
        else:
            found, out = np.zeros(x.shape, bool), np.zeros(x.shape, np.int64)
        mask_base = int(self._mask_index())
        if self.num_oov_indices == 0:
            if np.any(~found & (x != self.mask_token if self.mask_token is not None else True)):
                bad = x[~found].ravel()[0]
                raise ValueError(f"{where}: token {bad} is not in the vocabulary and num_oov_indices=0")
        else:
            out = np.where(found, out, mask_base + np.mod(x, self.num_oov_indices))
        if self.mask_token is None:
            return to_tensor(encode(out.astype(np.int64), self._depth(), self.output_mode, np.int64, where),
                             inputs)
        masked = x == self.mask_token
        if self.output_mode == "int":
            return to_tensor(np.where(masked, 0, out).astype(np.int64), inputs)
        # other modes drop mask tokens: they add nothing to the encoding
        out = np.where(masked, 0, out).astype(np.int64)
        weights = np.where(masked, 0.0, 1.0)
        if self.output_mode == "one_hot":
            encoded = encode(out, self._depth(), "one_hot", np.int64, where)
            keep = weights[..., 0:1] if weights.ndim > 1 and weights.shape[-1] == 1 else weights[..., None]
            return to_tensor((encoded * keep).astype(np.int64), inputs)
        encoded = encode(out, self._depth(), "count", np.float64, where, count_weights=weights)
        if self.output_mode == "multi_hot":
            encoded = encoded > 0
        return to_tensor(encoded.astype(np.int64), inputs)

    def _depth(self):
        return self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()

    def get_config(self):
        return {**super().get_config(), "max_tokens": self.max_tokens, "num_oov_indices": self.num_oov_indices,
                "mask_token": self.mask_token, "oov_token": self.oov_token, "vocabulary": self.input_vocabulary,
                "vocabulary_dtype": self.vocabulary_dtype, "idf_weights": None, "invert": self.invert,
                "output_mode": self.output_mode, "sparse": self.sparse, "pad_to_max_tokens": self.pad_to_max_tokens}
