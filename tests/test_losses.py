"""softmax / cross-entropy against torch, finite differences, and bad input."""

import re

import numpy as np
import pytest
import torch

from rnn_helpers.losses import cross_entropy, softmax, softmax_cross_entropy
from reference import finite_difference


def make_case(seed, rows=6, classes=5, ignored=()):
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 2, (rows, classes))
    targets = rng.integers(0, classes, rows)
    targets[list(ignored)] = -1
    return logits, targets


def test_softmax_matches_torch_and_sums_to_one():
    logits, _ = make_case(0)
    probs = softmax(logits)
    np.testing.assert_allclose(probs, torch.softmax(torch.from_numpy(logits), -1).numpy(), atol=1e-15)
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, atol=1e-15)


def test_softmax_does_not_overflow():
    probs = softmax(np.array([[1000.0, 0.0, -1000.0]]))
    np.testing.assert_allclose(probs, [[1.0, 0.0, 0.0]])
    assert np.all(np.isfinite(probs))


@pytest.mark.parametrize("ignored", [(), (0,), (1, 4)])
def test_loss_and_gradient_match_torch_cross_entropy(ignored):
    logits, targets = make_case(1, ignored=ignored)
    loss, dlogits, probs = softmax_cross_entropy(logits, targets)
    leaf = torch.tensor(logits, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(leaf, torch.from_numpy(targets), ignore_index=-1)
    expected.backward()
    assert loss == pytest.approx(float(expected.detach()), abs=1e-14)
    np.testing.assert_allclose(dlogits, leaf.grad.numpy(), atol=1e-15)
    np.testing.assert_allclose(probs, softmax(logits), atol=1e-15)
    assert cross_entropy(logits, targets) == loss


def test_gradient_matches_finite_differences():
    logits, targets = make_case(2, ignored=(3,))
    _, dlogits, _ = softmax_cross_entropy(logits, targets)
    numeric = finite_difference(lambda: cross_entropy(logits, targets), logits)
    np.testing.assert_allclose(dlogits, numeric, atol=1e-8)
    assert np.all(dlogits[3] == 0)


def test_uniform_prediction_costs_log_v():
    assert cross_entropy(np.zeros((4, 5)), np.array([0, 1, 2, 3])) == pytest.approx(np.log(5))


def test_confident_wrong_prediction_gives_a_large_finite_loss():
    loss = cross_entropy(np.array([[800.0, 0.0]]), np.array([1]))
    assert loss == pytest.approx(800.0)


@pytest.mark.parametrize(
    "logits, targets, error, pattern",
    [
        (np.zeros((3, 5)), np.array([0, 1]), ValueError, r"targets must have shape \(3,\), one index per row of logits; got \(2,\)"),
        (np.zeros((3, 5)), np.array([0, 5, 1]), ValueError, r"targets must be indices from 0 to 4 .* got 5"),
        (np.zeros((3, 5)), np.array([0, -2, 1]), ValueError, r"got -2"),
        (np.zeros((3, 5)), np.array([0.0, 1.0, 2.0]), TypeError, r"targets must be integer class indices .* got dtype float64"),
        (np.zeros((2, 5)), np.array([-1, -1]), ValueError, r"no target at all"),
        (np.zeros(5), np.array([0]), ValueError, r"logits must be 2-D \(N, V\)"),
        (np.zeros((2, 0)), np.array([0, 0]), ValueError, r"at least one score per row"),
        (np.array([[0.0, np.nan]]), np.array([0]), ValueError, r"logits must be finite"),
        ("scores", np.array([0]), TypeError, r"logits must be a numpy array of real numbers, got str"),
    ],
)
def test_bad_input_is_refused(logits, targets, error, pattern):
    with pytest.raises(error, match=pattern):
        softmax_cross_entropy(logits, targets)


def test_softmax_refuses_an_empty_last_axis():
    with pytest.raises(ValueError, match=r"at least one score"):
        softmax(np.zeros((2, 0)))


def test_rows_of_very_different_size_each_subtract_their_own_maximum():
    """One row near 1000, one near 0: a shift by the largest score of all would underflow row 2."""
    logits = np.array([[1000.0, 1001.0, 999.0], [0.0, 1.0, -1.0]])
    targets = np.array([1, 2])
    loss, dlogits, probs = softmax_cross_entropy(logits, targets)
    t_logits = torch.tensor(logits, requires_grad=True)
    t_loss = torch.nn.functional.cross_entropy(t_logits, torch.tensor(targets))
    t_loss.backward()
    assert loss == pytest.approx(t_loss.item(), rel=1e-12)
    np.testing.assert_allclose(dlogits, t_logits.grad.numpy(), rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(probs, torch.softmax(torch.tensor(logits), 1).numpy(), rtol=1e-12)


def test_another_ignore_index_reaches_the_target_check():
    """ignore_index=7 marks rows without a target in cross_entropy and softmax_cross_entropy alike."""
    logits = np.random.default_rng(3).normal(size=(4, 3))
    targets = np.array([0, 7, 2, 7])
    expected = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(targets), ignore_index=7)
    assert cross_entropy(logits, targets, ignore_index=7) == pytest.approx(expected.item(), rel=1e-12)
    loss, dlogits, _ = softmax_cross_entropy(logits, targets, ignore_index=7)
    assert loss == pytest.approx(expected.item(), rel=1e-12)
    np.testing.assert_array_equal(dlogits[[1, 3]], 0.0)


def test_logits_of_the_wrong_dimension_get_the_whole_message():
    message = "logits must be 2-D (N, V): one row of V scores per prediction; got shape (3,) (1-D)"
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        softmax_cross_entropy(np.zeros(3), [0])


def test_softmax_of_one_row_and_of_a_batch_of_rows_is_torchs():
    z = np.random.default_rng(4).normal(0, 3, size=(2, 3, 5))
    for logits in (z[0, 0], z[0], z):  # (V,), (N, V), (B, N, V): along the last axis
        np.testing.assert_allclose(softmax(logits), torch.softmax(torch.tensor(logits), -1).numpy(), rtol=1e-12)
    # each row subtracts its own maximum: a shift by the largest score of all would underflow row 2
    logits = np.array([[1000.0, 1001.0], [0.0, 1.0]])
    np.testing.assert_allclose(softmax(logits), torch.softmax(torch.tensor(logits), -1).numpy(), rtol=1e-12)


@pytest.mark.parametrize("logits, error, message", [
    ("abc", TypeError, "logits must be a numpy array of real numbers, got str"),
    (np.zeros((2, 0)), ValueError, "logits must have at least one score in its last axis; got shape (2, 0)"),
    (3.0, ValueError, "logits must have at least one score in its last axis; got shape ()"),
])
def test_softmax_says_exactly_what_is_wrong(logits, error, message):
    with pytest.raises(error, match="^" + re.escape(message) + "$"):
        softmax(logits)
