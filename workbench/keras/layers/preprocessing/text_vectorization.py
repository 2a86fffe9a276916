"""Keras' ``TextVectorization``: a batch of strings to token indices or to a bag-of-tokens encoding.

Each string is standardized (``wb.strings.lower`` / ``regex_replace``), split into tokens
(``wb.strings.split`` / ``unicode_split``), recombined into n-grams (``wb.strings.ngrams``) and
looked up in a vocabulary held by a :class:`StringLookup` (mask token ``""`` at index 0 in
``"int"`` mode, one OOV index, then the vocabulary).
"""

from __future__ import annotations

import numpy as np

from .... import core
from ....data import Dataset
from ....eager import numpy_function
from ....errors import argcheck
from .... import sparse as wb_sparse, strings as wb_strings
from ...serialization import deserialize_function, serialize_function
from ..base import Layer
from .common import to_tensor
from .string_lookup import StringLookup, _strings

__all__ = ["TextVectorization"]

# Keras' punctuation class (ASCII punctuation; ``,-\.`` is the range , - .)
DEFAULT_STRIP_REGEX = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'
_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = ("whitespace", "character")
_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def _is_ragged(x) -> bool:
    return hasattr(x, "flat_values") and hasattr(x, "nested_row_splits")


def _ragged_from(values, splits):
    import ragged   # keras is above ragged; imported here so that loading the layers stays light
    return ragged.RaggedTensor.from_nested_row_splits(values, splits, validate=False)


def _choice(value, name, allowed, where):
    if value is None or callable(value) or value in allowed:
        return value
    raise ValueError(f"{where}: {name} must be None, a callable or one of "
                     f"{', '.join(repr(a) for a in allowed)}, got {value!r}")


class TextVectorization(Layer):
    """Map a batch of strings (one example = one string) to token indices or a dense encoding.

    Arguments as Keras 3's: ``max_tokens`` (the vocabulary's size, special indices included),
    ``standardize`` (``"lower_and_strip_punctuation"``, ``"lower"``, ``"strip_punctuation"``,
    None or a callable on a string tensor), ``split`` (``"whitespace"``, ``"character"``, None or
    a callable giving a RaggedTensor of tokens), ``ngrams`` (an int n: widths 1..n; a tuple:
    those widths), ``output_mode`` (``"int"``: int64 indices padded with 0 to the longest row
    or to ``output_sequence_length``; ``"multi_hot"``, ``"count"``, ``"tf_idf"``: one row of
    :meth:`vocabulary_size` floats per example; ``"one_hot"``: one such row per token),
    ``pad_to_max_tokens`` (encodings ``max_tokens`` wide), ``vocabulary`` (a list or a file of
    one token a line), ``idf_weights`` (with ``"tf_idf"``), ``ragged`` (``"int"`` rows as a
    RaggedTensor), ``sparse`` (encodings as a ``wb.sparse.SparseTensor``).

    :meth:`adapt` learns the vocabulary: tokens by decreasing count, ties by decreasing token
    (Keras' order), at most ``max_tokens`` indices in all; with ``"tf_idf"`` also each token's
    inverse document frequency ``log(1 + documents / (1 + documents holding it))`` (the OOV
    index gets their mean).

    >>> layer = TextVectorization(output_sequence_length=4)
    >>> layer.adapt(["foo bar", "bar baz", "baz bada boom"])
    >>> layer([["foo qux bar"], ["qux baz"]]).numpy()
    array([[4, 1, 3, 0],
           [1, 2, 0, 0]])
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace", ngrams=None,
                 output_mode="int", output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None, **kwargs):
        where = "TextVectorization"
        # what Keras' configs add: whether the vocabulary was given, and its size (recomputed here)
        kwargs.pop("has_input_vocabulary", None)
        kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, **kwargs)
        self._standardize = _choice(standardize, "standardize", _STANDARDIZE, where)
        self._split = _choice(split, "split", _SPLIT, where)
        if output_mode == "binary":      # Keras' older names
            output_mode = "multi_hot"
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        if output_mode not in _MODES:
            raise ValueError(f"{where}: output_mode must be one of {', '.join(repr(m) for m in _MODES)}, "
                             f"got {output_mode!r}")
        if isinstance(ngrams, list):
            ngrams = tuple(ngrams)
        if not (ngrams is None or (isinstance(ngrams, int) and not isinstance(ngrams, bool) and ngrams >= 1)
                or (isinstance(ngrams, tuple) and ngrams
                    and all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in ngrams))):
            raise ValueError(f"{where}: ngrams must be None, a positive integer or a tuple of them, got {ngrams!r}")
        if output_sequence_length is not None:
            if output_mode != "int":
                raise ValueError(f"{where}: output_sequence_length must not be set when output_mode is not 'int', "
                                 f"got output_sequence_length={output_sequence_length!r} with "
                                 f"output_mode={output_mode!r}")
            output_sequence_length = argcheck.integer(output_sequence_length, "output_sequence_length", where,
                                                      minimum=1)
        if ragged and output_mode != "int":
            raise ValueError(f"{where}: ragged=True needs output_mode='int', got output_mode={output_mode!r}")
        if sparse and output_mode == "int":
            raise ValueError(f"{where}: sparse=True needs an encoding output_mode ('one_hot', 'multi_hot', "
                             "'count' or 'tf_idf'), got 'int'")
        if str(encoding).lower().replace("-", "") != "utf8":
            raise ValueError(f"{where}: encoding must be 'utf-8', got {encoding!r}")
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._ragged = bool(ragged)
        self._sparse = bool(sparse)
        self._encoding = encoding
        self._has_input_vocabulary = vocabulary is not None
        # the lookup keeps the vocabulary; "count" gives the index layout of every encoding mode
        self._lookup_layer = StringLookup(max_tokens=max_tokens, mask_token="", pad_to_max_tokens=pad_to_max_tokens,
                                          output_mode="int" if output_mode == "int" else "count",
                                          name=f"{self.name}_lookup")
        self._idf = None            # float64 weights per index (tf_idf), padded as Keras pads them
        self._index = None          # token -> index, rebuilt when the vocabulary changes
        if vocabulary is not None:
            if isinstance(vocabulary, str):
                with open(vocabulary, encoding="utf-8") as f:
                    vocabulary = [line.rstrip("\n") for line in f if line.rstrip("\n")]
            self.set_vocabulary(vocabulary, idf_weights)
        elif idf_weights is not None:
            raise ValueError(f"{where}: idf_weights needs a vocabulary given with it")

    @property
    def compute_dtype(self):
        """``"string"``, as Keras 3 says: the layer computes on text, so a Sequential that starts
        with it and is rebuilt from its input shape alone starts from a string input."""
        return "string"

    # -- vocabulary -----------------------------------------------------------
    def get_vocabulary(self, include_special_tokens=True):
        """The token (str) at each index; with the special tokens (``""`` in ``"int"`` mode, then
        ``"[UNK]"``) a token's position is the index the layer gives it."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        """The number of indices, mask and OOV included."""
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Use ``vocabulary`` (a list, 1-D array or tensor of distinct tokens, or a file of one a
        line) from now on; ``idf_weights`` (one per token given) is required with ``"tf_idf"`` and
        refused otherwise. The OOV index's weight is their mean unless the vocabulary starts with
        the special tokens (then the weights given for those are used)."""
        where = f"TextVectorization '{self.name}'.set_vocabulary"
        if isinstance(vocabulary, str):
            with open(vocabulary, encoding="utf-8") as f:
                vocabulary = [line.rstrip("\n") for line in f if line.rstrip("\n")]
        tokens = list(_strings(vocabulary, where).ravel())
        if self._output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError(f"{where}: idf_weights must be given when output_mode is 'tf_idf'")
            weights = np.asarray(idf_weights.numpy() if isinstance(idf_weights, core.Tensor) else idf_weights,
                                 dtype=np.float64).ravel()
            if weights.size != len(tokens):
                raise ValueError(f"{where}: idf_weights must hold one weight per vocabulary token, got "
                                 f"{weights.size} weights for {len(tokens)} tokens")
        elif idf_weights is not None:
            raise ValueError(f"{where}: idf_weights is only used with output_mode='tf_idf', got output_mode="
                             f"{self._output_mode!r}")
        head = self._lookup_layer._head()
        with_specials = bool(head) and tokens[:len(head)] == head
        self._lookup_layer.set_vocabulary(tokens)
        self._index = None
        if self._output_mode == "tf_idf":
            if not with_specials:
                weights = np.concatenate([np.full(len(head), weights.mean() if weights.size else 0.0), weights])
            self._idf = self._pad_back(weights)

    def _pad_back(self, weights):
        lookup = self._lookup_layer
        if lookup.pad_to_max_tokens and lookup.max_tokens is not None and weights.size < lookup.max_tokens:
            weights = np.concatenate([weights, np.zeros(lookup.max_tokens - weights.size)])
        return weights

    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary (and, with ``"tf_idf"``, the inverse document frequencies) from
        ``data``: strings, a string array or tensor (each string one document), or a
        ``wb.data.Dataset`` of such batches (``steps`` of them at most). ``batch_size`` sets how
        many strings of an array go through at a time (the result does not depend on it)."""
        where = f"TextVectorization '{self.name}'.adapt"
        if self._has_input_vocabulary:
            raise ValueError(f"{where}: cannot adapt a layer whose vocabulary was given to its constructor")
        if steps is not None:
            steps = argcheck.integer(steps, "steps", where, minimum=1)
        if batch_size is not None:
            batch_size = argcheck.integer(batch_size, "batch_size", where, minimum=1)
        counts, documents, n_docs = {}, {}, 0
        for batch in self._adapt_batches(data, batch_size, steps, where):
            rows = self._token_rows(self._preprocess(batch, where))
            for row in rows:
                for t in row:
                    counts[t] = counts.get(t, 0) + 1
                if self._output_mode == "tf_idf":
                    for t in set(row):
                        documents[t] = documents.get(t, 0) + 1
            n_docs += len(rows)
        lookup = self._lookup_layer
        for special in (b"", lookup.oov_token):
            counts.pop(special, None)
        ranked = [t for t, _ in sorted(counts.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)]
        if lookup.max_tokens is not None:
            ranked = ranked[:max(lookup.max_tokens - lookup._special(), 0)]
        lookup.set_vocabulary(ranked)
        self._index = None
        if self._output_mode == "tf_idf":
            idf = np.log1p(n_docs / (1.0 + np.array([documents[t] for t in ranked], dtype=np.float64)))
            front = np.full(lookup._special(), idf.mean() if idf.size else 0.0)
            self._idf = self._pad_back(np.concatenate([front, idf]))

    def _adapt_batches(self, data, batch_size, steps, where):
        if isinstance(data, Dataset):
            for i, element in enumerate(data):
                if steps is not None and i >= steps:
                    return
                if isinstance(element, (tuple, list, dict)):
                    raise ValueError(f"{where}: the Dataset's elements must be string tensors (the text only), "
                                     f"got a {type(element).__name__}")
                yield element
            return
        if data is None:
            raise ValueError(f"{where}: data must be strings, a string array or tensor or a wb.data.Dataset, "
                             "got None")
        if steps is not None:
            raise ValueError(f"{where}: steps is only used with a wb.data.Dataset, got steps={steps}")
        arr = _strings(data, where) if not _is_ragged(data) else None
        if arr is None:
            yield data
            return
        if arr.ndim == 0:
            arr = arr.reshape(1)
        if arr.ndim == 1:
            arr = arr[:, None]      # each string is one document
        step = batch_size or max(len(arr), 1)
        for start in range(0, max(len(arr), 1), step):
            yield core.wrap_constant(arr[start:start + step])

    # -- the pipeline ---------------------------------------------------------
    def _preprocess(self, inputs, where):
        """Standardized, split and n-grammed tokens: a string tensor or a RaggedTensor."""
        if _is_ragged(inputs):
            x = inputs
            if x.dtype.kind != "O":
                raise ValueError(f"{where}: inputs must be strings, got a RaggedTensor of dtype {x.dtype}")
        elif isinstance(inputs, core.Tensor):
            if inputs.dtype.kind != "O":
                raise ValueError(f"{where}: inputs must be strings, got a tensor of dtype {inputs.dtype}")
            x = inputs
        else:
            x = core.wrap_constant(_strings(inputs, where))
        if self._standardize in ("lower", "lower_and_strip_punctuation"):
            x = wb_strings.lower(x)
        if self._standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            x = wb_strings.regex_replace(x, DEFAULT_STRIP_REGEX, "")
        if callable(self._standardize):
            x = self._standardize(x)
        if self._split is not None:
            if _is_ragged(x):
                raise ValueError(f"{where}: to split strings the input must be a batch of strings (rank 1, or a "
                                 "last dimension of size 1), got a RaggedTensor")
            if x.ndim > 1:
                if x.shape[-1] != 1:
                    raise ValueError(f"{where}: to split strings the input rank must be 1 or its last dimension "
                                     f"must be 1, got inputs of shape {tuple(x.shape)}")
                x = core.wrap_constant(np.asarray(x.numpy(), dtype=object)[..., 0])
            if self._split == "whitespace":
                x = wb_strings.split(x)
            elif self._split == "character":
                x = wb_strings.unicode_split(x, "UTF-8")
            else:
                x = self._split(x)
        if self._ngrams is not None:
            x = wb_strings.ngrams(x, ngram_width=self._ngrams, separator=" ")
        return x

    def _token_rows(self, tokens):
        """The tokens of each example (each innermost row), as lists of bytes."""
        if _is_ragged(tokens):
            values = np.asarray(tokens.flat_values.numpy(), dtype=object)
            last = np.asarray(tokens.nested_row_splits[-1].numpy())
            return [list(values[last[i]:last[i + 1]]) for i in range(len(last) - 1)]
        arr = np.asarray(tokens.numpy(), dtype=object)
        if arr.ndim == 0:
            return [[arr[()]]]
        return [list(row) for row in arr.reshape(-1, arr.shape[-1])] if arr.ndim > 1 else [list(arr)]

    def _indices(self, flat):
        """Each token's index (int64); the mask token ``""`` gives -1 outside ``"int"`` mode (dropped)."""
        lookup = self._lookup_layer
        int_mode = self._output_mode == "int"
        if self._index is None:
            self._index = {t: i + lookup._special() for i, t in enumerate(lookup._vocab)}
            self._index[b""] = 0 if int_mode else -1
        get, oov = self._index.get, 1 if int_mode else 0
        return np.fromiter((get(t, oov) for t in flat.ravel()), dtype=np.int64, count=flat.size).reshape(flat.shape)

    def _depth(self):
        lookup = self._lookup_layer
        return lookup.max_tokens if lookup.pad_to_max_tokens else self.vocabulary_size()

    def call(self, inputs):
        where = f"TextVectorization '{self.name}'"
        # ragged tokens stay ragged in "int" mode with ragged=True and in "one_hot" mode
        ragged_out = (self._output_mode == "int" and self._ragged) or (
            self._output_mode == "one_hot" and self._split is not None)
        dense_out = not self._sparse and not ragged_out
        if dense_out and isinstance(inputs, core.Tensor) and inputs.dtype.kind == "O":
            # a host step: a wb.function (fit's train step, Dataset.map) replays it on each batch
            dtype = np.float32 if self._output_mode == "tf_idf" else np.int64   # Keras 3.15's, as _encoded_output
            return numpy_function(lambda arr: self._vectorize(core.wrap_constant(arr), where).numpy(), [inputs],
                                  Tout=dtype)
        return self._vectorize(inputs, where)

    def _vectorize(self, inputs, where):
        tokens = self._preprocess(inputs, where)
        ragged_tokens = _is_ragged(tokens)
        flat = np.asarray((tokens.flat_values if ragged_tokens else tokens).numpy(), dtype=object)
        ids = self._indices(flat)
        if self._output_mode == "int":
            return self._int_output(tokens, ids, ragged_tokens)
        return self._encoded_output(tokens, ids, ragged_tokens, where)

    def _int_output(self, tokens, ids, ragged_tokens):
        length = self._output_sequence_length
        if ragged_tokens:
            rt = tokens.with_flat_values(core.wrap_constant(ids))
            if self._ragged:
                if length is None:
                    return rt
                splits = [np.asarray(s.numpy()) for s in rt.nested_row_splits]
                last = splits[-1]
                keep = np.concatenate([np.arange(last[i], min(last[i + 1], last[i] + length))
                                       for i in range(len(last) - 1)] + [np.zeros(0, np.int64)]).astype(np.int64)
                lengths = np.minimum(np.diff(last), length)
                new_last = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
                return _ragged_from(core.wrap_constant(ids[keep]),
                                    [core.wrap_constant(s) for s in splits[:-1]] + [core.wrap_constant(new_last)])
            shape = [None] * (len(rt.nested_row_splits) + 1)
            shape[-1] = length
            dense = rt.to_tensor(default_value=0, shape=shape if length is not None else None)
            return to_tensor(np.asarray(dense.numpy(), dtype=np.int64))
        if length is not None and ids.ndim >= 1:
            ids = ids[..., :length]
            if ids.shape[-1] < length:
                pad = [(0, 0)] * (ids.ndim - 1) + [(0, length - ids.shape[-1])]
                ids = np.pad(ids, pad)
        return to_tensor(ids)

    def _encoded_output(self, tokens, ids, ragged_tokens, where):
        depth = self._depth()
        # Keras 3.15 (TF backend): "multi_hot", "one_hot" and "count" give int64, "tf_idf" float32
        dtype = np.float32 if self._output_mode == "tf_idf" else np.int64
        if ids.size and ids.max() >= depth:
            raise ValueError(f"{where}: token index {int(ids.max())} is out of range for {depth} output columns")
        if ragged_tokens:
            last = np.asarray(tokens.nested_row_splits[-1].numpy())
            rows = np.repeat(np.arange(len(last) - 1), np.diff(last))
            lead = (len(last) - 1,)
        elif ids.ndim == 0:
            rows, lead = np.zeros(1, np.int64), ()
            ids = ids.reshape(1)
        elif self._output_mode == "one_hot" and ids.shape[-1] == 1 and ids.ndim > 1:
            lead = ids.shape[:-1]
            rows = np.arange(int(np.prod(lead)))
        elif self._output_mode == "one_hot":
            lead = ids.shape
            rows = np.arange(ids.size)
        else:
            lead = ids.shape[:-1]
            rows = np.repeat(np.arange(int(np.prod(lead))), ids.shape[-1])
        flat_ids = ids.ravel()
        if self._output_mode == "one_hot" and ragged_tokens:
            # one row per token: a RaggedTensor of one-hot rows
            out = np.zeros((flat_ids.size, depth), dtype=np.float64)
            keep = flat_ids >= 0
            out[np.arange(flat_ids.size)[keep], flat_ids[keep]] = 1
            splits = [core.wrap_constant(np.asarray(s.numpy())) for s in tokens.nested_row_splits]
            rows = _ragged_from(to_tensor(out.astype(dtype)), splits)
            return wb_sparse.from_dense(rows.to_tensor()) if self._sparse else rows
        n_rows = int(np.prod(lead)) if lead else 1
        keep = flat_ids >= 0
        cells = rows[keep].astype(np.int64) * depth + flat_ids[keep]
        out = np.bincount(cells, minlength=n_rows * depth).astype(np.float64).reshape(n_rows, depth)
        if self._output_mode in ("multi_hot", "one_hot"):
            out = np.minimum(out, 1.0)
        elif self._output_mode == "tf_idf":
            idf = self._idf if self._idf is not None else np.zeros(depth)
            out = out * np.pad(idf, (0, max(depth - idf.size, 0)))[:depth]
        out = out.reshape(tuple(lead) + (depth,)).astype(dtype)
        if self._sparse:
            return wb_sparse.from_dense(to_tensor(out))
        return to_tensor(out)

    # -- configuration ----------------------------------------------------------
    def get_config(self):
        def fn(value):
            return serialize_function(value) if callable(value) else value
        lookup = self._lookup_layer
        vocab = [str(t) for t in self.get_vocabulary(include_special_tokens=False)] or None
        idf = None
        if self._output_mode == "tf_idf" and vocab is not None:
            start = lookup._special()
            idf = [float(w) for w in self._idf[start:start + len(vocab)]]
        return {**super().get_config(), "max_tokens": lookup.max_tokens, "standardize": fn(self._standardize),
                "split": fn(self._split), "ngrams": list(self._ngrams_arg) if isinstance(self._ngrams_arg, tuple)
                else self._ngrams_arg, "output_mode": self._output_mode,
                "output_sequence_length": self._output_sequence_length,
                "pad_to_max_tokens": lookup.pad_to_max_tokens, "sparse": self._sparse, "ragged": self._ragged,
                "vocabulary": vocab, "idf_weights": idf, "encoding": self._encoding,
                "vocabulary_size": self.vocabulary_size()}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("standardize", "split"):
            if isinstance(config.get(key), dict):
                config[key] = deserialize_function(config[key])
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return cls(**config)
