"""Softmax and cross-entropy: turning scores into probabilities, and probabilities into a loss.

Introduced in chapter 3. A model that predicts the next character produces one score per
character of the vocabulary (the *logits*); ``softmax`` turns a row of scores into a
probability distribution, and ``cross_entropy`` measures how little probability the model
gave to the character that actually came next. ``softmax_cross_entropy`` also returns the
gradient of that loss with respect to the scores, which is where backpropagation starts.

Shapes: ``logits`` is (N, V), one row of V scores per prediction; ``targets`` is (N,),
the index of the correct token for each row. A target equal to ``ignore_index`` (-1 by
default) marks a row that has no target; it adds nothing to the loss or the gradient, as
with ``torch.nn.CrossEntropyLoss(ignore_index=-1)``.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_ndim, real_array


def softmax(logits) -> np.ndarray:
    """Probabilities exp(z_i) / sum_j exp(z_j) along the last axis.

    ``logits`` has shape (..., V) with V >= 1; the result has the same shape and every
    row sums to 1. The row maximum is subtracted first, which changes nothing
    mathematically but keeps exp() from overflowing. Introduced in chapter 3.
    """
    logits = real_array(logits, "logits")
    if logits.ndim == 0 or logits.shape[-1] == 0:
        raise ValueError(f"logits must have at least one score in its last axis; got shape {logits.shape}")
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def check_targets(targets, n_rows: int, n_classes: int, ignore_index: int = -1, name: str = "targets") -> np.ndarray:
    """Return ``targets`` as an int64 array of shape (n_rows,), each in [0, n_classes) or ``ignore_index``.

    At least one target must not be ignored. Introduced in chapter 3.
    """
    array = np.asarray(targets)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{name} must be integer class indices (e.g. vocab.encode(...)); got dtype {array.dtype}")
    if array.shape != (n_rows,):
        raise ValueError(f"{name} must have shape ({n_rows},), one index per row of logits; got {array.shape}")
    array = array.astype(np.int64)
    bad = array[((array < 0) | (array >= n_classes)) & (array != ignore_index)]
    if bad.size:
        raise ValueError(
            f"{name} must be indices from 0 to {n_classes - 1} (or {ignore_index} for 'no target'), one per "
            f"column of the {n_classes} scores (logits); got {int(bad[0])}"
        )
    if np.all(array == ignore_index):
        raise ValueError(f"{name} has no target at all (every entry is {ignore_index}); the loss would be undefined")
    return array


def _check_logits_2d(logits) -> np.ndarray:
    logits = real_array(logits, "logits")
    check_ndim(logits, "logits", {2: "(N, V): one row of V scores per prediction"})
    if logits.shape[1] == 0:
        raise ValueError(f"logits must have at least one score per row; got shape {logits.shape}")
    return logits


def cross_entropy(logits, targets, ignore_index: int = -1) -> float:
    """Mean of -log softmax(logits)[n, targets[n]] over the rows that have a target.

    ``logits`` (N, V), ``targets`` (N,) integers. Computed with log-sum-exp, so a very
    confident wrong prediction gives a large finite loss rather than ``inf``.
    Introduced in chapter 3.
    """
    return softmax_cross_entropy(logits, targets, ignore_index)[0]


def softmax_cross_entropy(logits, targets, ignore_index: int = -1):
    """The cross-entropy loss, its gradient with respect to the logits, and the probabilities.

    Parameters
    ----------
    logits : array, (N, V)
    targets : int array, (N,); ``ignore_index`` marks rows without a target
    ignore_index : int

    Returns
    -------
    loss : float
        Mean over the M rows that have a target of -log p[n, targets[n]].
    dlogits : array, (N, V)
        dloss/dlogits = (p - onehot(targets)) / M on those rows, zero on ignored rows.
    probs : array, (N, V)
        softmax(logits).

    Introduced in chapter 3.
    """
    logits = _check_logits_2d(logits)
    n_rows, n_classes = logits.shape
    targets = check_targets(targets, n_rows, n_classes, ignore_index)
    used = targets != ignore_index
    count = int(used.sum())
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.flatnonzero(used)
    loss = float(-log_probs[rows, targets[rows]].sum() / count)
    probs = np.exp(log_probs)
    dlogits = probs.copy()
    dlogits[rows, targets[rows]] -= 1.0
    dlogits[~used] = 0.0
    dlogits /= count
    return loss, dlogits, probs


__all__ = ["softmax", "cross_entropy", "softmax_cross_entropy", "check_targets"]
