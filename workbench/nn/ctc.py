"""Connectionist temporal classification (TF's ``tf.nn.ctc_loss``, ``ctc_greedy_decoder`` and
``ctc_beam_search_decoder``).

The loss is one op whose forward runs the forward-backward recursion in log space over the
label sequence with blanks interleaved, and returns the loss together with its gradient with
respect to the logits (softmax minus the posterior of each class at each frame); its reverse
rule scales that gradient, as TF's fused kernel does. Like TF, the loss has no second
derivative.
"""

from __future__ import annotations

import numpy as np

from .. import core
from ..core import Tensor, apply, convert_to_tensor
from ..errors import InvalidArgumentError
from ..ops._define import defop
from ..ops.elementwise import cast
from ..ops.indexing import gather
from ..ops.reduce import reduce_sum
from ..ops.shape import reshape, transpose

__all__ = ["collapse_repeated", "ctc_beam_search_decoder", "ctc_greedy_decoder", "ctc_loss",
           "ctc_unique_labels"]


def _shift(a, k, xp, fill):
    """``a[:, s - k]`` along axis 1 (``k > 0``: from the left; ``k < 0``: from the right),
    ``fill`` where that index falls outside."""
    out = xp.full_like(a, fill)
    if k > 0:
        out[:, k:] = a[:, :-k]
    else:
        out[:, :k] = a[:, -k:]
    return out


def _ctc_fwd(xp, logits, labels, label_length, logit_length):
    """``(loss [B], d loss / d logits [T, B, C])`` for time-major ``logits`` whose blank is
    class 0, dense ``labels [B, L]`` (the first ``label_length[b]`` of row ``b`` count)."""
    n_t, n_b, n_c = logits.shape
    neg = -np.inf
    shifted = logits - logits.max(axis=2, keepdims=True)
    log_norm = xp.log(xp.exp(shifted).sum(axis=2, keepdims=True))
    logy = shifted - log_norm                                    # log-softmax, [T, B, C]
    n_l = labels.shape[1]
    n_s = 2 * n_l + 1
    ext = xp.zeros((n_b, n_s), np.int64)                         # labels with blanks between
    ext[:, 1::2] = labels
    ext_len = 2 * label_length.astype(np.int64) + 1
    seq = logit_length.astype(np.int64)
    s_idx = xp.arange(n_s)
    valid = s_idx[None, :] < ext_len[:, None]
    skip = xp.zeros((n_b, n_s), bool)                             # may come from s - 2
    skip[:, 2:] = (ext[:, 2:] != 0) & (ext[:, 2:] != ext[:, :-2])
    skip_from = _shift(skip, -2, xp, False)                       # s + 2 may come from s
    emit = xp.take_along_axis(logy, xp.broadcast_to(ext[None], (n_t, n_b, n_s)), axis=2)

    alpha = xp.full((n_t, n_b, n_s), neg, logits.dtype)
    a = xp.full((n_b, n_s), neg, logits.dtype)
    a[:, :2] = emit[0, :, :2]
    a = xp.where(valid, a, neg)
    alpha[0] = a
    for t in range(1, n_t):
        a = xp.logaddexp(xp.logaddexp(a, _shift(a, 1, xp, neg)),
                         xp.where(skip, _shift(a, 2, xp, neg), neg)) + emit[t]
        a = xp.where(valid, a, neg)
        alpha[t] = a

    beta = xp.full((n_t, n_b, n_s), neg, logits.dtype)
    last = (s_idx[None, :] == ext_len[:, None] - 1) | (s_idx[None, :] == ext_len[:, None] - 2)
    b = xp.full((n_b, n_s), neg, logits.dtype)
    for t in range(n_t - 1, -1, -1):
        b = xp.logaddexp(xp.logaddexp(b, _shift(b, -1, xp, neg)),
                         xp.where(skip_from, _shift(b, -2, xp, neg), neg)) + emit[t]
        b = xp.where((t == seq - 1)[:, None], xp.where(last, emit[t], neg), b)
        b = xp.where(valid & (t < seq)[:, None], b, neg)
        beta[t] = b

    rows = xp.arange(n_b)
    a_end = alpha[xp.maximum(seq - 1, 0), rows]                  # [B, S]
    end = xp.logaddexp(a_end[rows, ext_len - 1],
                       xp.where(ext_len >= 2, a_end[rows, xp.maximum(ext_len - 2, 0)], neg))
    log_p = xp.where(seq > 0, end, xp.where(label_length == 0, 0.0, neg)).astype(logits.dtype)
    possible = xp.isfinite(log_p)
    safe_log_p = xp.where(possible, log_p, 0.0)
    post = xp.exp(alpha + beta - emit - safe_log_p[None, :, None])   # [T, B, S]
    onehot = (ext[:, :, None] == xp.arange(n_c)[None, None, :]).astype(logits.dtype)
    grad = xp.exp(logy) - xp.einsum("tbs,bsc->tbc", post, onehot)
    live = (xp.arange(n_t)[:, None] < seq[None, :]) & possible[None, :]
    grad = xp.where(live[:, :, None], grad, 0.0).astype(logits.dtype, copy=False)
    return (-log_p).astype(logits.dtype, copy=False), grad


def _ctc_vjp(gs, ans, logits, labels, label_length, logit_length):
    if gs[1] is not None:
        raise LookupError("ctc_loss: its gradient has no gradient, so no second derivative (TF 2.21 "
                          "differentiates its gradient's own ops and gets NaN at most entries)")
    g = gs[0]
    if g is None:
        return None, None, None, None
    return reshape(g, tuple(g.shape[:-1]) + (1, g.shape[-1], 1)) * ans[1], None, None, None


def _ctc_jvp(ts, ans, logits, labels, label_length, logit_length):
    if ts[0] is None:
        return None, None
    return reduce_sum(ts[0] * ans[1], axis=[0, 2]), None


_ctc_op = defop("ctc_loss", _ctc_fwd, vjp=_ctc_vjp, jvp=_ctc_jvp, nout=2, dtypes="real")


def _int_vector(x, what, n):
    arr = np.asarray(x.numpy() if isinstance(x, Tensor) else x)
    if arr.dtype.kind not in "iu" or arr.shape != (n,):
        raise ValueError(f"ctc_loss: {what} must be an integer vector of shape [{n}], got "
                         f"{arr.dtype} of shape {arr.shape}")
    return arr.astype(np.int64)


def _sparse_to_padded(labels, n_b):
    """Dense labels ``[B, L]`` and their lengths from a SparseTensor of rank 2 (values in
    row-major order)."""
    idx = np.asarray(labels.indices.numpy())
    vals = np.asarray(labels.values.numpy())
    if idx.ndim != 2 or idx.shape[1] != 2:
        raise ValueError(f"ctc_loss: a SparseTensor of labels must have rank 2, got indices of "
                         f"shape {idx.shape}")
    order = np.lexsort((idx[:, 1], idx[:, 0]))
    idx, vals = idx[order], vals[order]
    lengths = np.bincount(idx[:, 0], minlength=n_b)[:n_b].astype(np.int64)
    dense = np.zeros((n_b, max(int(lengths.max(initial=0)), 1)), np.int64)
    pos = np.arange(len(vals)) - np.concatenate([[0], np.cumsum(lengths)])[idx[:, 0]]
    dense[idx[:, 0], pos] = vals
    return dense, lengths


def _min_frames(labels, lengths):
    """Frames each label sequence needs: its length plus one blank per repeated pair."""
    need = lengths.copy()
    for b, n in enumerate(lengths):
        row = labels[b, :n]
        need[b] += int(np.count_nonzero(row[1:] == row[:-1]))
    return need


def ctc_loss(labels, logits, label_length, logit_length, logits_time_major=True, unique=None,
             blank_index=None, name=None):
    """The CTC loss ``-log p(labels | logits)`` of each sequence in the batch (TF 2's
    ``tf.nn.ctc_loss``), shape ``[batch]``.

    ``logits``: ``[frames, batch, num_labels]`` (``[batch, frames, num_labels]`` with
    ``logits_time_major=False``), unnormalized: a softmax over the last axis is applied here.
    ``labels``: dense ``[batch, max_label_length]`` integers, padded past ``label_length``,
    or a ``SparseTensor`` (then ``label_length`` is not used and ``blank_index`` must be
    given). ``logit_length``: ``[batch]`` frames of each sequence. ``blank_index``: the blank
    class, 0 by default for dense labels; negative values count from ``num_labels``.
    ``unique`` (TF's TPU speed-up) does not change the result and is not used.

    The gradient with respect to ``logits`` is zero past ``logit_length``. A label sequence
    that cannot fit in its frames gives an infinite loss and a zero gradient for dense labels,
    and an ``InvalidArgumentError`` for sparse ones (as TF's sparse kernel does).

    >>> logits = wb.zeros([2, 1, 3])
    >>> wb.nn.ctc_loss([[1]], logits, [1], [2]).numpy()  # 3 of the 9 paths give "1": log(3)
    array([1.0986123], dtype=float32)
    """
    from ..sparse.sparse_tensor import SparseTensor  # sparse imports ops
    x = convert_to_tensor(logits)
    if x.dtype.kind != "f":
        raise TypeError(f"ctc_loss: logits must be floating, got dtype {x.dtype}")
    if x.ndim != 3:
        raise ValueError(f"ctc_loss: logits must have rank 3 ([frames, batch, num_labels] or "
                         f"[batch, frames, num_labels]), got shape {x.shape}")
    orig = x.dtype
    if x.dtype == np.float16:
        x = cast(x, "float32")
    if not logits_time_major:
        x = transpose(x, [1, 0, 2])
    n_t, n_b, n_c = x.shape
    sparse = isinstance(labels, SparseTensor)
    if sparse:
        if blank_index is None:
            raise ValueError("ctc_loss: blank_index must be given when labels is a SparseTensor")
        dense, lengths = _sparse_to_padded(labels, n_b)
    else:
        if blank_index is None:
            blank_index = 0
        dense = np.asarray(labels.numpy() if isinstance(labels, Tensor) else labels)
        if dense.dtype.kind not in "iu" or dense.ndim != 2 or dense.shape[0] != n_b:
            raise ValueError(f"ctc_loss: labels must be integers of shape [{n_b}, max_label_length]"
                             f" (or a SparseTensor), got {dense.dtype} of shape {dense.shape}")
        lengths = _int_vector(label_length, "label_length", n_b)
        if (lengths < 0).any() or (lengths > dense.shape[1]).any():
            raise InvalidArgumentError(f"ctc_loss: label_length must be in [0, {dense.shape[1]}], "
                                       f"got {lengths.tolist()}")
    frames = _int_vector(logit_length, "logit_length", n_b)
    if (frames < 0).any() or (frames > n_t).any():
        raise InvalidArgumentError(f"ctc_loss: logit_length must be in [0, {n_t}] (the frames of "
                                   f"logits), got {frames.tolist()}")
    if not -n_c <= blank_index < n_c:
        raise ValueError(f"ctc_loss: blank_index must be in [{-n_c}, {n_c}), got {blank_index}")
    blank = blank_index % n_c
    dense = dense.astype(np.int64)
    used = np.arange(dense.shape[1])[None, :] < lengths[:, None]
    bad = used & ((dense < 0) | (dense >= n_c) | (dense == blank))
    if bad.any():
        raise InvalidArgumentError(f"ctc_loss: labels must be in [0, {n_c}) and not the blank "
                                   f"{blank}, got {dense[bad].tolist()}")
    if sparse:
        need = _min_frames(dense, lengths)
        short = np.flatnonzero(need > frames)
        if short.size:
            b = int(short[0])
            raise InvalidArgumentError(f"ctc_loss: not enough time for target transition sequence "
                                       f"of batch {b} (required: {need[b]}, available: {frames[b]})")
    if blank != 0:   # move the blank to class 0, as the recursion expects
        perm = np.concatenate([[blank], np.arange(blank), np.arange(blank + 1, n_c)])
        x = gather(x, perm, axis=2)
        dense = np.where(dense < blank, dense + 1, dense)
    dense = np.where(used, dense, 0)
    loss, _ = apply(_ctc_op, (x, convert_to_tensor(dense), convert_to_tensor(lengths),
                              convert_to_tensor(frames)))
    if core.tracing():   # TF's static shape: the batch that the logits or the labels know
        given = [(logits, 1 if logits_time_major else 0, 3)] + ([] if sparse else [(labels, 0, 2)])
        known = [t._static_shape()[a] for t, a, rank in given
                 if isinstance(t, Tensor) and t._static_shape().rank == rank and t._static_shape()[a] is not None]
        core.static_result(loss, (known[0] if known else None,))
    return cast(loss, orig) if orig == np.float16 else loss


def _decoder_input(inputs, sequence_length, opname):
    x = convert_to_tensor(inputs)
    if x.dtype.kind != "f" or x.ndim != 3:
        raise ValueError(f"{opname}: inputs must be floating logits of shape [max_time, batch_size, "
                         f"num_classes], got {x.dtype} of shape {x.shape}")
    n_t, n_b, _ = x.shape
    seq = np.asarray(sequence_length.numpy() if isinstance(sequence_length, Tensor)
                     else sequence_length)
    if seq.dtype.kind not in "iu" or seq.shape != (n_b,):
        raise ValueError(f"{opname}: sequence_length must be an integer vector of shape [{n_b}], "
                         f"got {seq.dtype} of shape {seq.shape}")
    if (seq < 0).any() or (seq > n_t).any():
        raise InvalidArgumentError(f"{opname}: sequence_length must be in [0, {n_t}], got "
                                   f"{seq.tolist()}")
    return x, np.asarray(x.numpy(), dtype=np.float64 if x.dtype == np.float64 else np.float32), \
        seq.astype(np.int64)


def _sparse_rows(rows):
    """A SparseTensor of int64 rows (TF's decoded layout: dense shape ``[batch, longest]``)."""
    from ..sparse.sparse_tensor import SparseTensor  # sparse imports ops
    idx = [[b, i] for b, row in enumerate(rows) for i in range(len(row))]
    vals = [v for row in rows for v in row]
    longest = max((len(r) for r in rows), default=0)
    return SparseTensor(np.asarray(idx, np.int64).reshape(-1, 2), np.asarray(vals, np.int64),
                        np.asarray([len(rows), longest], np.int64))


def ctc_greedy_decoder(inputs, sequence_length, merge_repeated=True, blank_index=None):
    """Best-path decoding (TF's ``tf.nn.ctc_greedy_decoder``): the most likely class at each
    frame, repeats merged (with ``merge_repeated``), blanks removed.

    ``inputs``: logits ``[max_time, batch_size, num_classes]``; ``sequence_length``: ``[batch]``
    frames of each sequence; ``blank_index``: the blank class (``num_classes - 1`` by default;
    negative values count from ``num_classes``). Returns ``([decoded], neg_sum_logits)``:
    ``decoded`` an int64 SparseTensor ``[batch_size, longest]``, ``neg_sum_logits`` ``[batch, 1]``
    the negated sum over frames of each frame's largest logit.

    >>> decoded, neg = wb.nn.ctc_greedy_decoder([[[0.0, 1.0, 0.0]], [[0.0, 1.0, 0.0]],
    ...                                          [[2.0, 0.0, 0.0]]], [3], blank_index=0)
    >>> wb.sparse.to_dense(decoded[0]).numpy(), neg.numpy()
    (array([[1]]), array([[-4.]], dtype=float32))
    """
    x, arr, seq = _decoder_input(inputs, sequence_length, "ctc_greedy_decoder")
    n_c = arr.shape[2]
    if blank_index is None:
        blank_index = n_c - 1
    if not -n_c <= blank_index < n_c:
        raise ValueError(f"ctc_greedy_decoder: blank_index must be in [{-n_c}, {n_c}), got "
                         f"{blank_index}")
    blank = blank_index % n_c
    # TF moves the blank to the last class before taking the arg max (it decides ties)
    arr = np.concatenate([arr[:, :, :blank], arr[:, :, blank + 1:], arr[:, :, blank:blank + 1]],
                         axis=2)
    best = arr.argmax(axis=2)
    live = np.arange(arr.shape[0])[:, None] < seq[None, :]
    neg_sum = -np.where(live, arr.max(axis=2), 0.0).sum(axis=0)
    rows = []
    for b in range(arr.shape[1]):
        row, prev = [], -1
        for k in best[:seq[b], b]:
            k = int(k)
            if k != n_c - 1 and not (merge_repeated and k == prev):
                row.append(k + 1 if k >= blank else k)
            prev = k
        rows.append(row)
    return [_sparse_rows(rows)], convert_to_tensor(neg_sum[:, None].astype(arr.dtype))


def ctc_beam_search_decoder(inputs, sequence_length, beam_width=100, top_paths=1):
    """Prefix beam search (TF 2's ``tf.nn.ctc_beam_search_decoder``): the ``top_paths`` most
    likely label sequences, each scored by the log probability summed over its alignments
    (a softmax over the classes is applied here). The blank is the last class; repeated
    labels are not merged.

    Returns ``(decoded, log_probabilities)``: a list of ``top_paths`` int64 SparseTensors
    ``[batch_size, longest]`` and a ``[batch_size, top_paths]`` tensor.

    >>> decoded, logp = wb.nn.ctc_beam_search_decoder([[[2.0, 1.0, 0.0]]], [1], top_paths=2)
    >>> [wb.sparse.to_dense(d).numpy().tolist() for d in decoded]
    [[[0]], [[1]]]
    """
    x, arr, seq = _decoder_input(inputs, sequence_length, "ctc_beam_search_decoder")
    if not isinstance(beam_width, (int, np.integer)) or beam_width < 1:
        raise ValueError(f"ctc_beam_search_decoder: beam_width must be a positive integer, got "
                         f"{beam_width!r}")
    if not isinstance(top_paths, (int, np.integer)) or not 1 <= top_paths <= beam_width:
        raise ValueError(f"ctc_beam_search_decoder: top_paths must be in [1, beam_width="
                         f"{beam_width}], got {top_paths!r}")
    n_t, n_b, n_c = arr.shape
    blank = n_c - 1
    shifted = arr - arr.max(axis=2, keepdims=True)
    logy = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))
    lae = np.logaddexp
    neg = -np.inf
    paths = [[] for _ in range(top_paths)]
    scores = np.full((n_b, top_paths), neg, arr.dtype)
    for b in range(n_b):
        beam = {(): (0.0, neg)}                       # prefix -> (log p ending in blank, in label)
        for t in range(seq[b]):
            y = logy[t, b]
            nxt = {}
            for prefix, (pb, pl) in beam.items():
                total = lae(pb, pl)
                nb, nl = nxt.get(prefix, (neg, neg))
                nb = lae(nb, total + y[blank])
                if prefix:
                    nl = lae(nl, pl + y[prefix[-1]])
                nxt[prefix] = (nb, nl)
                for c in range(blank):
                    child = prefix + (c,)
                    cb, cl = nxt.get(child, (neg, neg))
                    came = pb if prefix and prefix[-1] == c else total
                    nxt[child] = (cb, lae(cl, came + y[c]))
            ranked = sorted(nxt.items(), key=lambda kv: -lae(*kv[1]))
            beam = dict(ranked[:beam_width])
        ranked = sorted(beam.items(), key=lambda kv: -lae(*kv[1]))
        for p in range(top_paths):
            prefix, probs = ranked[p] if p < len(ranked) else ((), (neg, neg))
            paths[p].append(list(prefix))
            scores[b, p] = lae(*probs)
    return [_sparse_rows(rows) for rows in paths], convert_to_tensor(scores)


def _int_matrix(x, what, opname):
    arr = np.asarray(convert_to_tensor(x).numpy())     # Python ints are int32, as in TF
    if arr.dtype.kind not in "iu" or arr.ndim != 2:
        raise ValueError(f"{opname}: {what} must be an integer matrix [batch, max_length], got "
                         f"{arr.dtype} of shape {arr.shape}")
    return arr


def ctc_unique_labels(labels, name=None):
    """The distinct labels of each row, in order of first appearance and padded with 0, and
    for each label the position of its value among them (TF's ``tf.nn.ctc_unique_labels``;
    the padding counts as a label too). Returns ``[unique (int64), index (int32)]``, both
    ``[batch, max_label_length]``.

    >>> y, idx = wb.nn.ctc_unique_labels([[3, 1, 3, 2, 0]])
    >>> y.numpy(), idx.numpy()
    (array([[3, 1, 2, 0, 0]]), array([[0, 1, 0, 2, 3]], dtype=int32))
    """
    arr = _int_matrix(labels, "labels", "ctc_unique_labels")
    unique = np.zeros(arr.shape, np.int64)
    index = np.zeros(arr.shape, np.int32)
    for b, row in enumerate(arr):
        seen = {}
        for i, v in enumerate(row.tolist()):
            index[b, i] = seen.setdefault(v, len(seen))
        unique[b, :len(seen)] = list(seen)
    return [convert_to_tensor(unique), convert_to_tensor(index)]


def collapse_repeated(labels, seq_length, name=None):
    """Merge runs of a repeated label within the first ``seq_length`` of each row (TF's
    ``tf.nn.collapse_repeated``). Returns ``(collapsed labels [batch, longest], padded with 0;
    their lengths [batch] int32)``.

    >>> out, n = wb.nn.collapse_repeated([[1, 1, 2, 2, 3], [4, 4, 4, 5, 5]], [5, 3])
    >>> out.numpy(), n.numpy()
    (array([[1, 2, 3],
           [4, 0, 0]], dtype=int32), array([3, 1], dtype=int32))
    """
    arr = _int_matrix(labels, "labels", "collapse_repeated")
    lengths = np.asarray(seq_length.numpy() if isinstance(seq_length, Tensor) else seq_length)
    if lengths.dtype.kind not in "iu" or lengths.shape != arr.shape[:1]:
        raise ValueError(f"collapse_repeated: seq_length must be an integer vector of shape "
                         f"[{arr.shape[0]}], got {lengths.dtype} of shape {lengths.shape}")
    if (lengths < 0).any() or (lengths > arr.shape[1]).any():
        raise InvalidArgumentError(f"collapse_repeated: seq_length must be in [0, {arr.shape[1]}], "
                                   f"got {lengths.tolist()}")
    rows = []
    for b, row in enumerate(arr):
        kept = row[:lengths[b]]
        rows.append(kept[np.concatenate([[True], kept[1:] != kept[:-1]])] if kept.size else kept)
    new_len = np.array([len(r) for r in rows], np.int32)
    out = np.zeros((arr.shape[0], int(new_len.max(initial=0))), arr.dtype)
    for b, r in enumerate(rows):
        out[b, :len(r)] = r
    return convert_to_tensor(out), convert_to_tensor(new_len)
