"""Counting baselines for a character language model, and how to score any model.

Introduced in chapter 6. An n-gram model predicts the next character from the n - 1
characters before it, by counting how often each character followed that context in the
training text. Chapter 3's bigram table is the case n = 2 without smoothing. Smoothing
gives unseen pairs a little probability: here by *interpolated absolute discounting*
(a simple relative of Kneser–Ney): every seen count gives up ``discount``, and what is
collected is shared out according to the model one order lower, down to a unigram with
add-one counts, so that every character of the vocabulary keeps a probability above zero.

A model is scored by its bits per character on held-out text, the mean of
-log₂ p(correct next character); perplexity is 2 to that power.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validate import real_array


def bits_per_character(p_correct) -> float:
    """Mean of -log₂ p over the probabilities given to the correct next characters, shape (T,).

    A zero probability gives infinity: the model said the text was impossible.
    Introduced in chapter 6.
    """
    p = real_array(p_correct, "p_correct")
    if p.ndim != 1 or p.size == 0:
        raise ValueError(f"p_correct must be a non-empty 1-D array of probabilities; got shape {p.shape}")
    outside = np.flatnonzero((p < 0) | (p > 1 + 1e-9))  # 1e-9: rounding just above 1 passes
    if len(outside):
        raise ValueError(f"p_correct must hold probabilities between 0 and 1; got {p[outside[0]]:.10g} "
                         f"at index {outside[0]}")
    with np.errstate(divide="ignore"):
        return float(-np.mean(np.log2(p)))


def perplexity(bits: float) -> float:
    """2 ** bits: the number of equally likely characters that would be as uncertain."""
    return float(2.0 ** bits)


@dataclass
class NgramModel:
    """Counts of an n-gram model (``fit_ngram``). Keys pack a context of m characters as a
    base-``base`` number; ``tables[m]`` holds sorted arrays for contexts of length m."""

    n: int
    vocab_size: int
    discount: float
    unigram: np.ndarray
    tables: dict = field(default_factory=dict)


def _keys(codes: np.ndarray, m: int, base: int) -> np.ndarray:
    """Key of the m characters before position i, for every i >= m: shape (len(codes) - m,)."""
    key = np.zeros(len(codes) - m, dtype=np.int64)
    for j in range(m):
        key = key * base + codes[j:len(codes) - m + j]
    return key


def fit_ngram(codes, n: int, vocab_size: int, discount: float = 0.75) -> NgramModel:
    """Count the n-grams of a training text given as character indices ``codes`` (T,).

    ``discount`` in [0, 1): 0 gives the raw relative frequencies (maximum likelihood) for
    every context that was seen. Introduced in chapter 6.
    """
    codes = np.asarray(codes)
    if codes.ndim != 1 or codes.dtype.kind not in "iu" or codes.size < n:
        raise ValueError(f"codes must be a 1-D integer array of at least n = {n} character indices")
    if not isinstance(n, int) or not 1 <= n <= 8:
        raise ValueError(f"n must be an integer from 1 to 8; got {n!r}")
    if not 0 <= discount < 1:
        raise ValueError(f"discount must be in [0, 1); got {discount!r}")
    if codes.min() < 0 or codes.max() >= vocab_size:
        raise ValueError(f"codes must lie in 0 .. {vocab_size - 1} (vocab_size)")
    unigram = (np.bincount(codes, minlength=vocab_size) + 1.0) / (codes.size + vocab_size)
    model = NgramModel(n, vocab_size, discount, unigram)
    base = vocab_size
    for m in range(1, n):
        context = _keys(codes, m, base)
        full, full_counts = np.unique(context * base + codes[m:], return_counts=True)
        contexts, totals = np.unique(context, return_counts=True)
        distinct = np.bincount(np.searchsorted(contexts, full // base), minlength=contexts.size)
        model.tables[m] = (full, full_counts, contexts, totals, distinct)
    return model


def _lookup(sorted_keys: np.ndarray, values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    where = np.minimum(np.searchsorted(sorted_keys, keys), sorted_keys.size - 1)
    return np.where(sorted_keys[where] == keys, values[where], 0)


def ngram_probs(model: NgramModel, codes, order: int | None = None) -> np.ndarray:
    """p(codes[i] | the up to n - 1 characters before it) for every i: shape (T,).

    ``order`` (1 to ``model.n``, default ``model.n``) uses the model as an ``order``-gram
    model: the counts of shorter contexts are the same, so one fit serves every order.
    The first characters use the contexts they have (the first one the unigram).
    Introduced in chapter 6.
    """
    order = model.n if order is None else order
    if not isinstance(order, int) or not 1 <= order <= model.n:
        raise ValueError(f"order must be an integer from 1 to n = {model.n}; got {order!r}")
    codes = np.asarray(codes)
    if codes.ndim != 1 or codes.dtype.kind not in "iu" or codes.size == 0:
        raise ValueError("codes must be a non-empty 1-D integer array of character indices")
    if codes.min() < 0 or codes.max() >= model.vocab_size:
        raise ValueError(f"codes must lie in 0 .. {model.vocab_size - 1}")
    p = model.unigram[codes].astype(np.float64)
    d, base = model.discount, model.vocab_size
    for m in range(1, order):
        if codes.size <= m:
            break
        full, full_counts, contexts, totals, distinct = model.tables[m]
        context = _keys(codes, m, base)
        seen = _lookup(full, full_counts, context * base + codes[m:]).astype(np.float64)
        total = _lookup(contexts, totals, context).astype(np.float64)
        kinds = _lookup(contexts, distinct, context).astype(np.float64)
        lower = p[m:]
        mixed = (np.maximum(seen - d, 0) + d * kinds * lower) / np.maximum(total, 1)
        p[m:] = np.where(total > 0, mixed, lower)
    return p


__all__ = ["NgramModel", "fit_ngram", "ngram_probs", "bits_per_character", "perplexity"]


def bits_table(rows: dict, decimals: int = 2) -> str:
    """A text table: model | bits per character | perplexity, one row per ``rows`` item
    (label -> bits). Introduced in chapter 6."""
    width = max(len(label) for label in rows) + 2
    lines = [f"{'model':<{width}}{'bits per character':>20}{'perplexity':>12}"]
    for label, bits in rows.items():
        ppl = "infinite" if not np.isfinite(bits) else f"{perplexity(bits):.{decimals - 1}f}"
        bits_text = "infinite" if not np.isfinite(bits) else f"{bits:.{decimals}f}"
        lines.append(f"{label:<{width}}{bits_text:>20}{ppl:>12}")
    return "\n".join(lines)


__all__ += ["bits_table"]
