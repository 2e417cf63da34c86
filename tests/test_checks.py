"""rnn_helpers.checks: the reader's exercises.

For every exercise: a solution written the way a reader would write it passes; every known
mistake, written as a reader would make it, is recognised with its own hint (and no other);
a function that raises, returns the wrong type or shape, changes its input or never returns
gets the right message; outputs are deterministic and fit 76 characters (a solution box).
"""

from __future__ import annotations

import itertools
import re
import threading

import numpy as np
import pytest

from rnn_helpers import checks
from rnn_helpers.activations import sigmoid
from rnn_helpers.checks import WIDTH, check, exercise_names


def run(capsys, name, fn, **kwargs):
    """check(...) -> (verdict, printed text); asserts the 76-character limit on every line."""
    ok = check(name, fn, **kwargs)
    out = capsys.readouterr().out
    assert WIDTH == 76 and all(len(line) <= WIDTH for line in out.splitlines()), out
    return ok, out


def flat(text: str) -> str:
    """Text with line breaks and indentation folded into single spaces."""
    return " ".join(text.split())


def all_hints(name):
    exercise = checks._EXERCISES[name]
    hints = [m.hint for m in exercise.mistakes]
    if name == "sample_with_temperature":
        hints = [text for text, _ in checks._sampling_candidates([0.0, 1.0], 2.0)]
    return hints


def assert_only_hint(out, name, hint):
    text = flat(out)
    assert flat(hint) in text, out
    others = [h for h in all_hints(name) if h != hint and flat(h) in text]
    assert not others, out


def hint_of(name, words):
    """The one known hint of exercise ``name`` that contains ``words``."""
    found = [h for h in all_hints(name) if words in flat(h)]
    assert len(found) == 1, (words, found)
    return found[0]


# ---- solutions as a reader writes them ------------------------------------------------


def rnn_step(x_t, h_prev, params):
    a = x_t @ params["weight_ih"].T + params["bias_ih"]
    a = a + h_prev @ params["weight_hh"].T + params["bias_hh"]
    return np.tanh(a)


def softmax_cross_entropy(logits, targets):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(p[np.arange(n), targets]))
    dlogits = p.copy()
    dlogits[np.arange(n), targets] -= 1
    return loss, dlogits / n


def bptt(x, w_x, w_h):
    h1 = np.tanh(w_x * x[0])
    y = np.tanh(w_x * x[1] + w_h * h1)
    return y, (1 - y**2) * h1


def bptt_w_x(x, w_x, w_h):
    h1 = np.tanh(w_x * x[0])
    y = np.tanh(w_x * x[1] + w_h * h1)
    return y, (1 - y**2) * (x[1] + w_h * (1 - h1**2) * x[0])


def clip_grad_norm(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    scale = min(1.0, max_norm / norm)
    return {key: g * scale for key, g in grads.items()}


def lstm_step(x_t, state, params):
    h_prev, c_prev = state
    a = x_t @ params["weight_ih"].T + h_prev @ params["weight_hh"].T
    a = a + params["bias_ih"] + params["bias_hh"]
    i, f, g, o = np.split(a, 4, axis=-1)
    c = sigmoid(f) * c_prev + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c), c


def sample_with_temperature(logits, temperature, rng):
    z = logits / temperature
    p = np.exp(z - z.max())
    return rng.choice(len(logits), p=p / p.sum())


SOLUTIONS = {
    "rnn_step": rnn_step,
    "softmax_cross_entropy": softmax_cross_entropy,
    "bptt": bptt,
    "bptt_w_x": bptt_w_x,
    "clip_grad_norm": clip_grad_norm,
    "lstm_step": lstm_step,
    "sample_with_temperature": sample_with_temperature,
}


def test_every_exercise_has_a_solution_here():
    assert sorted(SOLUTIONS) == sorted(exercise_names())
    assert exercise_names()[0] == "rnn_step"


@pytest.mark.parametrize("name", sorted(SOLUTIONS))
def test_the_solution_passes(capsys, name):
    ok, out = run(capsys, name, SOLUTIONS[name])
    assert ok is True, out
    assert out.startswith(f"{name}: correct.")
    assert "Hint" not in out


def test_the_output_is_the_same_on_every_run(capsys):
    def bad(x_t, h_prev, params):
        return rnn_step(x_t, h_prev, {**params, "bias_hh": 0 * params["bias_hh"]})

    first = run(capsys, "rnn_step", bad)[1]
    assert run(capsys, "rnn_step", bad)[1] == first


def test_the_reference_solutions_match_torch():
    """The references inside checks agree with torch.nn.RNNCell / LSTMCell and clip_grad_norm_."""
    torch = pytest.importorskip("torch")
    for case in checks._rnn_cases():
        x, h, p = case.args
        cell = torch.nn.RNNCell(p["weight_ih"].shape[1], p["weight_hh"].shape[1]).double()
        with torch.no_grad():
            for key, value in p.items():
                getattr(cell, key).copy_(torch.from_numpy(value))
            expected = cell(torch.from_numpy(x), torch.from_numpy(h)).numpy()
        np.testing.assert_allclose(checks._rnn_step(x, h, p), expected, atol=1e-12)
    for case in checks._lstm_cases():
        x, (h, c), p = case.args
        cell = torch.nn.LSTMCell(p["weight_ih"].shape[1], p["weight_hh"].shape[1]).double()
        with torch.no_grad():
            for key, value in p.items():
                getattr(cell, key).copy_(torch.from_numpy(value))
            h_t, c_t = cell(torch.from_numpy(x), (torch.from_numpy(h), torch.from_numpy(c)))
        ours = checks._lstm_step(x, (h, c), p)
        np.testing.assert_allclose(ours[0], h_t.numpy(), atol=1e-12)
        np.testing.assert_allclose(ours[1], c_t.numpy(), atol=1e-12)
    for case in checks._clip_cases():
        grads, max_norm = case.args
        tensors = [torch.from_numpy(g.copy()).requires_grad_() for g in grads.values()]
        for t, g in zip(tensors, grads.values()):
            t.grad = torch.from_numpy(g.copy())
        torch.nn.utils.clip_grad_norm_(tensors, max_norm)
        ours = checks._clip(grads, max_norm)[0]
        for t, key in zip(tensors, grads):
            np.testing.assert_allclose(ours[key], t.grad.numpy(), rtol=1e-12)
    for case in checks._sce_cases():
        logits, targets = case.args
        leaf = torch.tensor(logits, requires_grad=True)
        loss = torch.nn.functional.cross_entropy(leaf, torch.from_numpy(targets))
        loss.backward()
        ours = checks._sce(logits, targets)
        assert ours[0] == pytest.approx(float(loss.detach()), rel=1e-12)
        np.testing.assert_allclose(ours[1], leaf.grad.numpy(), atol=1e-14)


def test_the_bptt_references_match_autograd():
    torch = pytest.importorskip("torch")
    for case in checks._bptt_cases():
        x, w_x, w_h = case.args
        wx = torch.tensor(w_x, dtype=torch.float64, requires_grad=True)
        wh = torch.tensor(w_h, dtype=torch.float64, requires_grad=True)
        h1 = torch.tanh(wx * float(x[0]))
        y = torch.tanh(wx * float(x[1]) + wh * h1)
        y.backward()
        assert checks._bptt(x, w_x, w_h) == pytest.approx((float(y.detach()), float(wh.grad)), rel=1e-12)
        assert checks._bptt_w_x(x, w_x, w_h) == pytest.approx((float(y.detach()), float(wx.grad)), rel=1e-12)


# ---- every known mistake has its own hint ---------------------------------------------


def _as_reader(name, mistake):
    """The mistake's result as a reader's function would return it."""
    exercise = checks._EXERCISES[name]

    def fn(*args):
        out = mistake.compute(*args)
        return out[0] if len(exercise.parts) == 1 else out

    return fn


_COMPUTED = [
    (name, k)
    for name in exercise_names()
    for k, mistake in enumerate(checks._EXERCISES[name].mistakes)
    if mistake.compute is not None
]


@pytest.mark.parametrize("name,k", _COMPUTED, ids=[f"{n}-{k}" for n, k in _COMPUTED])
def test_each_known_mistake_is_named_with_its_own_hint(capsys, name, k):
    mistake = checks._EXERCISES[name].mistakes[k]
    ok, out = run(capsys, name, _as_reader(name, mistake))
    assert ok is False
    assert_only_hint(out, name, mistake.hint)


def test_each_known_mistake_differs_from_the_reference_in_some_case():
    for name in exercise_names():
        exercise = checks._EXERCISES[name]
        for mistake in exercise.mistakes:
            if mistake.compute is None:
                continue
            assert any(
                not all(
                    np.allclose(np.ravel(list(a.values()) if isinstance(a, dict) else a).astype(float),
                                np.ravel(list(b.values()) if isinstance(b, dict) else b).astype(float))
                    if not isinstance(a, dict) else
                    all(np.allclose(a[key], b[key]) for key in a)
                    for a, b in zip(mistake.compute(*case.args), exercise.reference(*case.args))
                )
                for case in exercise.make_cases()
            ), mistake.hint


# Mistakes written out the way a reader makes them (independently of checks' own code).


def test_weight_hh_transposed(capsys):
    def fn(x_t, h_prev, p):
        return np.tanh(x_t @ p["weight_ih"].T + p["bias_ih"] + h_prev @ p["weight_hh"] + p["bias_hh"])

    ok, out = run(capsys, "rnn_step", fn)
    assert not ok
    assert_only_hint(out, "rnn_step", hint_of("rnn_step", "weight_hh transposed"))
    assert "Case 1 of 6" in out and "The largest difference is" in out and "h_t[0]" in out


@pytest.mark.parametrize("left_out", ["bias_hh", "bias_ih"])
def test_a_bias_left_out(capsys, left_out):
    def fn(x_t, h_prev, p):
        a = x_t @ p["weight_ih"].T + h_prev @ p["weight_hh"].T
        return np.tanh(a + p["bias_ih" if left_out == "bias_hh" else "bias_hh"])

    ok, out = run(capsys, "rnn_step", fn)
    assert not ok
    assert_only_hint(out, "rnn_step", hint_of("rnn_step", f"with {left_out} left out"))


def test_sigmoid_instead_of_tanh_in_the_rnn(capsys):
    def fn(x_t, h_prev, p):
        return sigmoid(x_t @ p["weight_ih"].T + p["bias_ih"] + h_prev @ p["weight_hh"].T + p["bias_hh"])

    ok, out = run(capsys, "rnn_step", fn)
    assert_only_hint(out, "rnn_step", hint_of("rnn_step", "sigmoid instead of tanh"))


def test_rnn_written_for_one_example_fails_on_the_batch_with_the_shapes(capsys):
    def fn(x_t, h_prev, p):
        return np.tanh(p["weight_ih"] @ x_t + p["bias_ih"] + p["weight_hh"] @ h_prev + p["bias_hh"])

    ok, out = run(capsys, "rnn_step", fn)
    assert not ok
    text = flat(out)
    assert "Case 4 of 6 (a batch: batch 2, input 3, hidden 4): your function raised an error" in text
    assert "x_t array (2, 3), h_prev array (2, 4)" in text
    assert "weight_ih (4, 3)" in text
    assert "ValueError: matmul" in text
    assert re.search(r"in fn, line \d+: return np.tanh", text)  # the reader's line
    assert "one row per example" in text
    assert "Cases 1 to 3 passed." in text


def test_a_batch_returned_transposed(capsys):
    def fn(x_t, h_prev, p):
        x2, h2 = np.atleast_2d(x_t).T, np.atleast_2d(h_prev).T
        a = p["weight_ih"] @ x2 + p["weight_hh"] @ h2 + (p["bias_ih"] + p["bias_hh"])[:, None]
        out = np.tanh(a)
        return out[:, 0] if x_t.ndim == 1 else out

    ok, out = run(capsys, "rnn_step", fn)
    text = flat(out)
    assert "h_t has shape (4, 2); expected (2, 4)" in text
    assert "the right numbers, transposed" in text


def test_a_column_vector_is_the_right_numbers_in_another_shape(capsys):
    def fn(x_t, h_prev, p):
        return rnn_step(x_t, h_prev, p).reshape(-1, 1)

    ok, out = run(capsys, "rnn_step", fn)
    assert "h_t has shape (3, 1); expected (3,)" in flat(out)
    assert "right numbers in another shape" in flat(out)


@pytest.mark.parametrize("order", ["igfo", "figo", "ifog", "ogfi"])
def test_lstm_gates_in_another_order(capsys, order):
    def fn(x_t, state, p):
        h_prev, c_prev = state
        a = x_t @ p["weight_ih"].T + h_prev @ p["weight_hh"].T + p["bias_ih"] + p["bias_hh"]
        gates = dict(zip(order, np.split(a, 4, axis=-1)))
        i, f, g, o = sigmoid(gates["i"]), sigmoid(gates["f"]), np.tanh(gates["g"]), sigmoid(gates["o"])
        c = f * c_prev + i * g
        return o * np.tanh(c), c

    ok, out = run(capsys, "lstm_step", fn)
    assert not ok
    assert_only_hint(out, "lstm_step", hint_of("lstm_step", "order " + ", ".join(order) + "."))


def test_lstm_tanh_and_sigmoid_swapped(capsys):
    def fn(x_t, state, p):
        h_prev, c_prev = state
        a = x_t @ p["weight_ih"].T + h_prev @ p["weight_hh"].T + p["bias_ih"] + p["bias_hh"]
        i, f, g, o = np.split(a, 4, axis=-1)
        c = np.tanh(f) * c_prev + np.tanh(i) * sigmoid(g)
        return np.tanh(o) * np.tanh(c), c

    ok, out = run(capsys, "lstm_step", fn)
    assert_only_hint(out, "lstm_step", hint_of("lstm_step", "tanh and sigmoid swapped"))


def test_lstm_output_from_the_old_cell_state(capsys):
    def fn(x_t, state, p):
        h, c = lstm_step(x_t, state, p)
        a = x_t @ p["weight_ih"].T + state[0] @ p["weight_hh"].T + p["bias_ih"] + p["bias_hh"]
        o = sigmoid(np.split(a, 4, axis=-1)[3])
        return o * np.tanh(state[1]), c

    ok, out = run(capsys, "lstm_step", fn)
    assert_only_hint(out, "lstm_step", hint_of("lstm_step", "computed from c_prev"))
    assert "of c_t differ" not in out  # c_t is right; only h_t is reported


def test_lstm_cell_state_not_updated(capsys):
    def fn(x_t, state, p):
        return lstm_step(x_t, state, p)[0], state[1]

    ok, out = run(capsys, "lstm_step", fn)
    assert_only_hint(out, "lstm_step", hint_of("lstm_step", "c_t equals c_prev"))


def test_softmax_without_the_max_overflows(capsys):
    def fn(logits, targets):
        n = logits.shape[0]
        e = np.exp(logits)
        p = e / e.sum(axis=1, keepdims=True)
        d = p.copy()
        d[np.arange(n), targets] -= 1
        return -np.mean(np.log(p[np.arange(n), targets])), d / n

    ok, out = run(capsys, "softmax_cross_entropy", fn)
    assert not ok
    assert "Case 5 of 5 (large scores" in out
    assert "NaN or infinite" in flat(out)
    assert_only_hint(out, "softmax_cross_entropy", hint_of("softmax_cross_entropy", "overflows"))
    assert "RuntimeWarning" not in out


def test_gradient_missing_the_one_over_n(capsys):
    def fn(logits, targets):
        loss, d = softmax_cross_entropy(logits, targets)
        return loss, d * logits.shape[0]

    ok, out = run(capsys, "softmax_cross_entropy", fn)
    assert "Case 1 passed." in out  # N = 1 cannot show it
    assert_only_hint(out, "softmax_cross_entropy", hint_of("softmax_cross_entropy", "1/N"))
    assert "loss differs" not in out


def test_dlogits_sign_flipped(capsys):
    def fn(logits, targets):
        loss, d = softmax_cross_entropy(logits, targets)
        return loss, -d

    ok, out = run(capsys, "softmax_cross_entropy", fn)
    assert_only_hint(out, "softmax_cross_entropy", hint_of("softmax_cross_entropy", "sign flipped"))


def test_bptt_tanh_prime_missing(capsys):
    def fn(x, w_x, w_h):
        h1 = np.tanh(w_x * x[0])
        return np.tanh(w_x * x[1] + w_h * h1), h1

    ok, out = run(capsys, "bptt", fn)
    assert_only_hint(out, "bptt", hint_of("bptt", "misses the factor"))
    assert "y differs" not in out


def test_bptt_w_x_direct_path_only(capsys):
    def fn(x, w_x, w_h):
        y = np.tanh(w_x * x[1] + w_h * np.tanh(w_x * x[0]))
        return y, (1 - y**2) * x[1]

    ok, out = run(capsys, "bptt_w_x", fn)
    assert_only_hint(out, "bptt_w_x", hint_of("bptt_w_x", "only the direct path"))


def test_bptt_w_x_tanh_prime_at_step_one_missing(capsys):
    def fn(x, w_x, w_h):
        y = np.tanh(w_x * x[1] + w_h * np.tanh(w_x * x[0]))
        return y, (1 - y**2) * (x[1] + w_h * x[0])

    ok, out = run(capsys, "bptt_w_x", fn)
    assert_only_hint(out, "bptt_w_x", hint_of("bptt_w_x", "at step 1 (1 − h₁²) on the path"))


def test_each_tensor_clipped_on_its_own(capsys):
    def fn(grads, max_norm):
        out = {}
        for key, g in grads.items():
            norm = np.linalg.norm(g)
            out[key] = g * max_norm / norm if norm > max_norm else g
        return out

    ok, out = run(capsys, "clip_grad_norm", fn)
    assert not ok
    assert_only_hint(out, "clip_grad_norm", hint_of("clip_grad_norm", "clipped on its own"))
    assert "result['weight_ih'][0, 0]: yours" in flat(out)


def test_clipping_when_the_norm_is_below_max_norm(capsys):
    def fn(grads, max_norm):
        norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
        return {key: g * max_norm / norm for key, g in grads.items()}

    ok, out = run(capsys, "clip_grad_norm", fn)
    assert "Case 2 of 4 (four gradients, their norm below max_norm)" in flat(out)
    assert_only_hint(out, "clip_grad_norm", hint_of("clip_grad_norm", "although the norm is below"))


def test_clipping_that_changes_the_gradients_in_place(capsys):
    def fn(grads, max_norm):
        norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
        for g in grads.values():
            g *= min(1.0, max_norm / norm)
        return grads

    ok, out = run(capsys, "clip_grad_norm", fn)
    assert not ok
    assert "changed its argument grads['weight_ih'] in place" in flat(out)


def test_clip_result_with_a_missing_key(capsys):
    def fn(grads, max_norm):
        out = clip_grad_norm(grads, max_norm)
        out.pop("bias_hh")
        return out

    ok, out = run(capsys, "clip_grad_norm", fn)
    assert "missing ['bias_hh']" in flat(out)


def _sampler(transform):
    def fn(logits, temperature, rng):
        z = transform(logits, temperature)
        p = np.exp(z - z.max())
        return rng.choice(len(logits), p=p / p.sum())

    return fn


@pytest.mark.parametrize(
    "fn,words",
    [
        (_sampler(lambda z, t: z * t), "multiplies the logits"),
        (_sampler(lambda z, t: z), "temperature were 1"),
        (lambda z, t, rng: int(np.argmax(z)), "(argmax)"),
        (lambda z, t, rng: int(rng.integers(len(z))), "look uniform"),
    ],
    ids=["temperature-multiplies", "temperature-left-out", "argmax", "uniform"],
)
def test_sampling_mistakes(capsys, fn, words):
    ok, out = run(capsys, "sample_with_temperature", fn)
    assert not ok
    assert_only_hint(out, "sample_with_temperature", hint_of("sample_with_temperature", words))
    assert "  yours  " in out and "  expected  " in out


def test_sampling_without_the_rng_it_is_given(capsys):
    def fn(logits, temperature, rng):
        p = np.exp(logits / temperature)
        return np.random.choice(len(logits), p=p / p.sum())

    ok, out = run(capsys, "sample_with_temperature", fn)
    assert not ok
    assert "two runs with the same seed gave different draws" in flat(out)


def test_sampling_with_a_new_generator_on_each_call(capsys):
    def fn(logits, temperature, rng):
        return sample_with_temperature(logits, temperature, np.random.default_rng(0))

    ok, out = run(capsys, "sample_with_temperature", fn)
    assert "every draw gave the same index" in flat(out)


def test_sampling_overflow_at_a_small_temperature(capsys):
    def fn(logits, temperature, rng):
        p = np.exp(logits / temperature)
        return rng.choice(len(logits), p=p / p.sum())

    ok, out = run(capsys, "sample_with_temperature", fn)
    text = flat(out)
    assert "Case 5 of 5 (V 5, small temperature 0.001, 200 draws): your function raised" in text
    assert "ValueError: Probabilities contain NaN" in text
    assert re.search(r"in fn, line \d+: return rng.choice", text)  # not numpy's own line
    assert "exp overflows to inf" in text


@pytest.mark.parametrize(
    "value,words",
    [(2.0, "returned a float (2); expected one integer index"), (7, "returned 7; expected an index from 0 to 4"),
     (np.array([1]), "returned an array of shape (1,)")],
)
def test_sampling_returns_something_else_than_an_index(capsys, value, words):
    ok, out = run(capsys, "sample_with_temperature", lambda z, t, rng: value)
    assert words in flat(out)


def test_chi_square_limit_is_close_to_the_exact_quantiles():
    # Exact upper 1e-6 quantiles of chi-square (df 1, 4, 9): 23.93, 33.38, 44.58.
    for df, exact in [(1, 23.93), (4, 33.38), (9, 44.58)]:
        assert exact <= checks._chi2_limit(df) <= exact * 1.2


def test_every_sampling_case_expects_enough_draws_per_index():
    for _, logits, temperature, _, n in checks._SAMPLING_CASES:
        probs = checks._sampling_probs(logits, temperature)
        if temperature >= 0.01:
            assert probs.min() * n >= 30
        else:
            assert np.sort(probs)[-2] * n < 1e-30


# ---- robustness: errors, wrong returns, endless loops, names --------------------------


def test_a_function_that_raises_shows_the_error_and_the_shapes(capsys):
    def fn(x_t, h_prev, params):
        raise KeyError("W_hh")

    ok, out = run(capsys, "rnn_step", fn)
    text = flat(out)
    assert ok is False
    assert "Case 1 of 6 (one example: input 3, hidden 3): your function raised an error" in text
    assert "x_t array (3,), h_prev array (3,), params {weight_ih (3, 3)" in text
    assert "KeyError: 'W_hh'" in text
    assert re.search(r"in fn, line \d+: raise KeyError", text)


def test_a_function_that_returns_none(capsys):
    ok, out = run(capsys, "rnn_step", lambda x, h, p: None)
    assert "h_t is None; expected the shape of h_prev. Is a return statement missing?" in flat(out)
    ok, out = run(capsys, "lstm_step", lambda x, s, p: None)
    assert "returned None; expected a pair (h_t, c_t). Is a return statement missing?" in flat(out)


def test_a_pair_of_the_wrong_length(capsys):
    def fn(logits, targets):
        return (*softmax_cross_entropy(logits, targets), None)

    ok, out = run(capsys, "softmax_cross_entropy", fn)
    assert "returned a tuple of 3 values; expected a pair (loss, dlogits)" in flat(out)


def test_a_scalar_loss_returned_as_an_array(capsys):
    def fn(logits, targets):
        loss, d = softmax_cross_entropy(logits, targets)
        return np.array([loss]), d

    ok, out = run(capsys, "softmax_cross_entropy", fn)
    assert "loss has shape (1,); expected ()" in flat(out)


def test_a_torch_tensor_is_refused_with_a_way_out(capsys):
    torch = pytest.importorskip("torch")
    ok, out = run(capsys, "rnn_step", lambda x, h, p: torch.from_numpy(rnn_step(x, h, p)))
    assert ".detach().numpy()" in out


def test_a_function_that_changes_its_input(capsys):
    def fn(x_t, h_prev, params):
        h_prev *= 0
        return rnn_step(x_t, h_prev, params)

    ok, out = run(capsys, "rnn_step", fn)
    assert "changed its argument h_prev in place" in flat(out)


def _endless(*args):
    while True:
        pass


def _asleep(*args):
    import time

    time.sleep(60)


def _stubborn(*args):
    while True:
        try:
            while True:
                pass
        except Exception:  # a reader's broad except must not swallow the stop
            pass


@pytest.mark.parametrize("fn", [_endless, _asleep, _stubborn], ids=["loop", "sleep", "except-Exception"])
def test_a_function_that_never_returns_is_stopped(capsys, fn):
    import time

    start = time.monotonic()
    ok, out = run(capsys, "rnn_step", fn, time_limit=0.3)
    assert time.monotonic() - start < 5
    assert ok is False
    assert "did not return within 0.3 seconds and was stopped" in flat(out)


def test_the_timer_is_left_as_it_was():
    import signal

    before = signal.getsignal(signal.SIGALRM)
    check("rnn_step", _endless, time_limit=0.2)
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_the_thread_fallback_stops_an_endless_loop_off_the_main_thread(capsys):
    results = []
    worker = threading.Thread(target=lambda: results.append(check("bptt", _endless, time_limit=0.3)))
    worker.start()
    worker.join(10)
    out = capsys.readouterr().out
    assert results == [False]
    assert "did not return within 0.3 seconds and was stopped" in flat(out)
    assert "may still be running" not in out
    assert not any(t.name == "rnn_helpers.checks" for t in threading.enumerate())


def test_the_thread_fallback_passes_results_and_errors():
    outcome = checks._call_in_thread(lambda: 42, 1.0)
    assert outcome.value == 42 and outcome.error is None
    outcome = checks._call_in_thread(lambda: 1 / 0, 1.0)
    assert isinstance(outcome.error, ZeroDivisionError)


def test_an_unknown_name_lists_the_known_ones(capsys):
    ok, out = run(capsys, "rnn_stepp", rnn_step)
    assert ok is False
    assert "there is no exercise called 'rnn_stepp'" in out
    for name in exercise_names():
        assert f"  {name}, chapter " in out


@pytest.mark.parametrize("bad", [0, -1.0, "10", None, float("nan")])
def test_a_bad_time_limit_is_refused(bad):
    with pytest.raises(ValueError, match="time_limit must be a positive number of seconds"):
        check("rnn_step", rnn_step, time_limit=bad)


def test_something_else_than_a_function(capsys):
    ok, out = run(capsys, "rnn_step", "my_rnn_step")
    assert ok is False
    assert "the second argument must be your function" in flat(out)


def test_value_text_has_no_e_notation():
    assert checks._value_text(-0.123456789) == "-0.123457"
    assert checks._value_text(2.5e-9) == "2.500 × 10⁻⁹"
    assert checks._value_text(float("nan")) == "nan"
    assert checks._value_text(0) == "0"


def test_shapes_are_never_split_over_two_lines():
    lines = checks._wrap("x " * 36 + "weight_ih (4, 3) and (12, 300, 7)")
    assert any("(4, 3)" in line for line in lines)
    assert any("(12, 300, 7)" in line for line in lines)


def test_gate_permutations_are_all_known():
    hints = all_hints("lstm_step")
    for order in itertools.permutations("ifgo"):
        if order != tuple("ifgo"):
            assert sum("order " + ", ".join(order) + "." in flat(h) for h in hints) == 1


def test_in_a_jupyter_kernel_an_endless_loop_is_stopped_and_the_kernel_lives_on():
    """The reader's setting: ipykernel runs the cell; the alarm must fire there too."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    cells = [
        "import threading\n"
        "from rnn_helpers.checks import check\n"
        "print('main thread:', threading.current_thread() is threading.main_thread())",
        "def my_rnn_step(x_t, h_prev, params):\n"
        "    while True:\n"
        "        pass\n"
        "check('rnn_step', my_rnn_step, time_limit=0.5)",
        "import numpy as np\n"
        "def my_rnn_step(x_t, h_prev, params):\n"
        "    a = x_t @ params['weight_ih'].T + h_prev @ params['weight_hh'].T\n"
        "    return np.tanh(a + params['bias_ih'])\n"
        "check('rnn_step', my_rnn_step)",
        "def my_rnn_step(x_t, h_prev, params):\n"
        "    return params['W_hh'] @ h_prev\n"
        "check('rnn_step', my_rnn_step)",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    outputs = [
        "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in cell.outputs)
        for cell in notebook.cells
    ]
    assert outputs[0].strip() == "main thread: True"
    assert "did not return within 0.5 seconds and was stopped" in flat(outputs[1])
    assert flat(outputs[1]).endswith("False")
    assert hint_of("rnn_step", "with bias_hh left out") in flat(outputs[2])
    # the line of the cell where the error happened, without the kernel's temporary file name
    assert "KeyError: 'W_hh' in my_rnn_step, line 2: return params['W_hh'] @ h_prev" in flat(outputs[3])
    assert "ipykernel" not in outputs[3]


def test_from_a_script_an_endless_loop_is_stopped():
    import subprocess
    import sys

    script = (
        "from rnn_helpers.checks import check\n"
        "def f(logits, temperature, rng):\n"
        "    while True:\n"
        "        pass\n"
        "print('verdict', check('sample_with_temperature', f, time_limit=0.5))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "did not return within 0.5 seconds and was stopped" in flat(done.stdout)
    assert done.stdout.strip().endswith("verdict False")


def _softmax_t(logits, temperature):
    z = logits / temperature
    p = np.exp(z - z.max())
    return p / p.sum()


@pytest.mark.parametrize(
    "fn",
    [
        lambda z, t, rng: int(np.searchsorted(np.cumsum(_softmax_t(z, t)), rng.random() * (1 - 1e-12))),
        lambda z, t, rng: int(np.argmax(rng.multinomial(1, _softmax_t(z, t)))),
        lambda z, t, rng: int(np.argmax(z / t + rng.gumbel(size=len(z)))),  # the Gumbel-max trick
    ],
    ids=["cumsum", "multinomial", "gumbel-max"],
)
def test_other_correct_ways_of_sampling_pass(capsys, fn):
    ok, out = run(capsys, "sample_with_temperature", fn)
    assert ok, out


def _rnn_step_columns(x_t, h_prev, p):
    """Written with column vectors, transposing a batch in and out."""
    x2, h2 = np.atleast_2d(x_t).T, np.atleast_2d(h_prev).T
    a = p["weight_ih"] @ x2 + p["bias_ih"][:, None] + p["weight_hh"] @ h2 + p["bias_hh"][:, None]
    out = np.tanh(a).T
    return out[0] if x_t.ndim == 1 else out


def _clip_like_torch(grads, max_norm):
    norm = np.linalg.norm(np.concatenate([g.ravel() for g in grads.values()]))
    coef = min(max_norm / (norm + 1e-6), 1.0)
    return {key: g * coef for key, g in grads.items()}


def _lstm_step_naive_sigmoid(x_t, state, p):
    h_prev, c_prev = state
    hidden = h_prev.shape[-1]
    a = np.einsum("gi,...i->...g", p["weight_ih"], x_t) + np.einsum("gh,...h->...g", p["weight_hh"], h_prev)
    a = a + p["bias_ih"] + p["bias_hh"]
    s = 1 / (1 + np.exp(-a))
    i, f, o = s[..., :hidden], s[..., hidden:2 * hidden], s[..., 3 * hidden:]
    g = np.tanh(a[..., 2 * hidden:3 * hidden])
    c = f * c_prev + i * g
    return o * np.tanh(c), c


def _bptt_by_finite_differences(x, w_x, w_h):
    def y(w):
        return np.tanh(w_x * x[1] + w * np.tanh(w_x * x[0]))

    eps = 1e-5
    return float(y(w_h)), (y(w_h + eps) - y(w_h - eps)) / (2 * eps)


def _sce_log_sum_exp(logits, targets):
    m = logits.max(axis=1, keepdims=True)
    log_p = logits - m - np.log(np.exp(logits - m).sum(axis=1, keepdims=True))
    n = len(targets)
    onehot = np.eye(logits.shape[1])[targets]
    return float(-(log_p * onehot).sum() / n), (np.exp(log_p) - onehot) / n


@pytest.mark.parametrize(
    "name,fn",
    [
        ("rnn_step", _rnn_step_columns),
        ("clip_grad_norm", _clip_like_torch),
        ("lstm_step", _lstm_step_naive_sigmoid),
        ("bptt", _bptt_by_finite_differences),
        ("softmax_cross_entropy", _sce_log_sum_exp),
    ],
    ids=["rnn-columns", "clip-like-torch", "lstm-einsum", "bptt-finite-differences", "sce-log-sum-exp"],
)
def test_other_correct_solutions_pass(capsys, name, fn):
    ok, out = run(capsys, name, fn)
    assert ok, out


def test_the_two_rnn_weights_swapped(capsys):
    def fn(x_t, h_prev, p):
        return np.tanh(x_t @ p["weight_hh"].T + h_prev @ p["weight_ih"].T + p["bias_ih"] + p["bias_hh"])

    ok, out = run(capsys, "rnn_step", fn)
    assert "Case 1 of 6 (one example: input 3, hidden 3)" in out  # the square case shows it
    assert_only_hint(out, "rnn_step", hint_of("rnn_step", "two weights swapped"))
