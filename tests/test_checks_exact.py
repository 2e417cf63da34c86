"""rnn_helpers.checks: the whole feedback text, word for word.

tests/test_checks.py checks that each known mistake is recognised by a hint taken from
checks itself; here the hints and the verdicts are written out in full, the mistakes are
written the way a reader makes them (independently of checks' own mistaken versions), and
the seeded cases are pinned, so that a changed word, number or case shows.
"""

from __future__ import annotations

import itertools
import json
import re
import math
import time

import numpy as np
import pytest

from reference import exactly
from rnn_helpers import checks
from rnn_helpers.activations import sigmoid
from rnn_helpers.checks import check


def verdict(capsys, name, fn, **kwargs):
    """check(...) -> (verdict, printed text)."""
    ok = check(name, fn, **kwargs)
    return ok, capsys.readouterr().out


def verdict_off_the_main_thread(capsys, name, fn, **kwargs):
    """check(...) called from a worker thread, where the fallback thread stops the reader's function."""
    import threading

    results = []
    worker = threading.Thread(target=lambda: results.append(check(name, fn, **kwargs)))
    worker.start()
    worker.join(10)
    assert len(results) == 1, "check did not return within 10 seconds"
    return results[0], capsys.readouterr().out


def flat(text: str) -> str:
    return " ".join(text.split())


def assert_one_hint(out, hint):
    """The verdict gives exactly one hint, this one, in full."""
    assert flat(out).count("Hint: ") == 1, out
    assert f"Hint: {hint}" in flat(out), out


# ---- the hints, in full -----------------------------------------------------------------

_LSTM_HINTS = [
    "your result equals the step with tanh and sigmoid swapped: the gates i, f and o use "
    "sigmoid (a share between 0 and 1); the candidate g uses tanh.",
    "your result equals the step with the candidate g squashed by sigmoid; g uses tanh "
    "(values between -1 and 1), only i, f and o use sigmoid.",
    "your h_t is computed from c_prev, the old cell state: the output reads the new cell "
    "state c_t.",
    "your c_t equals c_prev: the cell state was not updated.",
    "your result equals the step without the forget gate: c_prev is kept whole instead of "
    "multiplied by f.",
    "your result equals the step with c_prev left out of c_t: the new cell state is the "
    "forget gate times c_prev plus the input gate times g.",
    "your h_t misses the tanh of the cell state: h_t is o times tanh(c_t).",
    "your result equals the step with bias_hh left out; the LSTM adds both biases, bias_ih "
    "and bias_hh.",
    "your result equals the step with bias_ih left out; the LSTM adds both biases, bias_ih "
    "and bias_hh.",
    "your h_t and c_t are the expected ones in the wrong order: return (h_t, c_t).",
]


def test_lstm_hints_read_exactly():
    orders = [o for o in itertools.permutations("ifgo") if o != tuple("ifgo")]
    gate_hints = [
        f"your result equals the step with the gates read in the order {', '.join(o)}. PyTorch "
        "stacks them i, f, g, o: rows 0 to hidden-1 of weight_ih belong to i, the next hidden "
        "rows to f, then g, then o."
        for o in orders
    ]
    assert [m.hint for m in checks._EXERCISES["lstm_step"].mistakes] == gate_hints + _LSTM_HINTS


def test_sampling_candidates_exactly():
    candidates = checks._sampling_candidates([0.0, 1.0, 3.0], 2.0)
    assert [text for text, _ in candidates] == [
        "your draws always give the index of the largest logit (argmax): the exercise draws at "
        "random, each index with its probability.",
        "your draws look uniform: every index equally often. The probabilities come from "
        "softmax(logits / temperature).",
        "your draws follow softmax(logits × temperature): the temperature multiplies the logits "
        "instead of dividing them.",
        "your draws follow softmax(logits), as if the temperature were 1: it was left out.",
    ]
    e6, e2 = np.exp([0.0, 2.0, 6.0]), np.exp([0.0, 1.0, 3.0])
    expected = [[0.0, 0.0, 1.0], [1 / 3] * 3, e6 / e6.sum(), e2 / e2.sum()]
    for (_, probs), want in zip(candidates, expected):
        np.testing.assert_allclose(probs, want, rtol=1e-12)


# ---- mistakes written as a reader writes them --------------------------------------------


def _h1(x, w_x):
    return math.tanh(w_x * x[0])


def _y(x, w_x, w_h):
    return math.tanh(w_x * x[1] + w_h * _h1(x, w_x))


def _dy_dw_h(x, w_x, w_h):
    return (1 - _y(x, w_x, w_h) ** 2) * _h1(x, w_x)


def _dy_dw_x(x, w_x, w_h):
    y, h1 = _y(x, w_x, w_h), _h1(x, w_x)
    return (1 - y**2) * (x[1] + w_h * (1 - h1**2) * x[0])


_BPTT_READERS = [
    ("pre-activation", lambda x, a, b: (a * x[1] + b * _h1(x, a), _dy_dw_h(x, a, b)),
     "your y is the pre-activation of step 2: the tanh is missing."),
    ("no-recurrence", lambda x, a, b: (math.tanh(a * x[1]), _dy_dw_h(x, a, b)),
     "your y leaves out h₁: step 2 adds w_h times h₁ before the tanh."),
    ("x1-in-y", lambda x, a, b: (math.tanh(a * x[1] + b * x[0]), _dy_dw_h(x, a, b)),
     "your y uses x₁ where h₁ belongs: step 2 reads the state h₁, not the input."),
    ("y-is-h1", lambda x, a, b: (_h1(x, a), _dy_dw_h(x, a, b)),
     "your y is h₁, the state after step 1; y is the state after step 2."),
    ("one-minus-y", lambda x, a, b: (_y(x, a, b), (1 - _y(x, a, b)) * _h1(x, a)),
     "your dy_dw_h uses 1 − y for the slope of tanh; the slope is 1 − y²."),
    ("prime-at-h1", lambda x, a, b: (_y(x, a, b), (1 - _h1(x, a) ** 2) * _h1(x, a)),
     "your dy_dw_h takes the slope of tanh at step 1 (1 − h₁²); w_h enters at step 2, so the "
     "slope is that of step 2, 1 − y²."),
    ("x1-for-h1", lambda x, a, b: (_y(x, a, b), (1 - _y(x, a, b) ** 2) * x[0]),
     "your dy_dw_h uses x₁ where h₁ belongs: w_h multiplies the state h₁."),
    ("w_x-full", lambda x, a, b: (_y(x, a, b), _dy_dw_x(x, a, b)),
     "your dy_dw_h equals dy/dw_x, the derivative with respect to the input weight."),
    ("w_x-direct", lambda x, a, b: (_y(x, a, b), (1 - _y(x, a, b) ** 2) * x[1]),
     "your dy_dw_h equals the direct path of dy/dw_x (through x₂ only): a derivative with "
     "respect to the input weight, and without its path through h₁."),
    ("sign", lambda x, a, b: (_y(x, a, b), -_dy_dw_h(x, a, b)), "your dy_dw_h has the wrong sign."),
]


@pytest.mark.parametrize("fn,hint", [r[1:] for r in _BPTT_READERS], ids=[r[0] for r in _BPTT_READERS])
def test_bptt_mistakes_written_by_a_reader_get_their_hint(capsys, fn, hint):
    ok, out = verdict(capsys, "bptt", fn)
    assert ok is False
    assert_one_hint(out, hint)


def _w_x_reader(grad):
    return lambda x, a, b: (_y(x, a, b), grad(x, a, b, _y(x, a, b), _h1(x, a)))


_BPTT_W_X_READERS = [
    ("through-h1-only", _w_x_reader(lambda x, a, b, y, h1: (1 - y**2) * b * (1 - h1**2) * x[0]),
     "your dy_dw_x keeps only the path through h₁ and forgets the direct one (w_x times x₂ at "
     "step 2)."),
    ("no-prime-2", _w_x_reader(lambda x, a, b, y, h1: x[1] + b * (1 - h1**2) * x[0]),
     "your dy_dw_x misses the slope of the tanh at step 2 (1 − y²), which both paths pass "
     "through."),
    ("no-primes", _w_x_reader(lambda x, a, b, y, h1: x[1] + b * x[0]),
     "your dy_dw_x misses both tanh' factors (1 − y² and 1 − h₁²)."),
    ("w_h", _w_x_reader(lambda x, a, b, y, h1: (1 - y**2) * h1),
     "your dy_dw_x equals dy/dw_h, the derivative with respect to the recurrent weight."),
    ("sign", _w_x_reader(lambda x, a, b, y, h1: -_dy_dw_x(x, a, b)), "your dy_dw_x has the wrong sign."),
    ("direct", _w_x_reader(lambda x, a, b, y, h1: (1 - y**2) * x[1]),
     "your dy_dw_x keeps only the direct path (w_x times x₂ at step 2) and forgets the chain "
     "through h₁: w_x also made h₁, which step 2 reads through w_h."),
]


@pytest.mark.parametrize("fn,hint", [r[1:] for r in _BPTT_W_X_READERS], ids=[r[0] for r in _BPTT_W_X_READERS])
def test_bptt_w_x_mistakes_written_by_a_reader_get_their_hint(capsys, fn, hint):
    ok, out = verdict(capsys, "bptt_w_x", fn)
    assert ok is False
    assert_one_hint(out, hint)


def _norm(grads):
    return math.sqrt(sum(float(np.sum(g**2)) for g in grads.values()))


_CLIP_READERS = [
    ("no-sqrt", lambda g, m: {k: v * min(1.0, m / _norm(g) ** 2) for k, v in g.items()},
     "your result equals clipping by the sum of squares, without its square root: the norm is "
     "the square root of the sum of all squared elements."),
    ("by-value", lambda g, m: {k: np.minimum(np.maximum(v, -m), m) for k, v in g.items()},
     "your result equals clipping each element to [-max_norm, max_norm] (clipping by value); "
     "this exercise clips by the norm, which keeps the gradient's direction."),
    ("sum-of-norms",
     lambda g, m: {k: v * min(1.0, m / sum(np.linalg.norm(u) for u in g.values())) for k, v in g.items()},
     "your result equals clipping by the sum of the tensors' norms; the norm of all gradients "
     "together is the square root of the sum of their squared norms."),
    ("upside-down",
     lambda g, m: {k: v * (_norm(g) / m if _norm(g) > m else 1.0) for k, v in g.items()},
     "your result is scaled by norm / max_norm, which makes it larger; the factor is max_norm / "
     "norm."),
    ("each-on-its-own",
     lambda g, m: {k: v * min(1.0, m / (np.linalg.norm(v) + 1e-6)) for k, v in g.items()},
     "your result equals each tensor clipped on its own instead of all together: the norm to "
     "compare with max_norm is that of all the gradients as one long vector, and all are scaled "
     "by the same factor."),
]


@pytest.mark.parametrize("fn,hint", [r[1:] for r in _CLIP_READERS], ids=[r[0] for r in _CLIP_READERS])
def test_clip_mistakes_written_by_a_reader_get_their_hint(capsys, fn, hint):
    ok, out = verdict(capsys, "clip_grad_norm", fn)
    assert ok is False
    assert_one_hint(out, hint)


def _lstm_parts(x_t, state, p):
    a = x_t @ p["weight_ih"].T + state[0] @ p["weight_hh"].T + p["bias_ih"] + p["bias_hh"]
    i, f, g, o = np.split(a, 4, axis=-1)
    return sigmoid(i), sigmoid(f), np.tanh(g), sigmoid(o)


def _lstm_without_forget_gate(x_t, state, p):
    i, f, g, o = _lstm_parts(x_t, state, p)
    c = state[1] + i * g
    return o * np.tanh(c), c


def _lstm_without_c_prev(x_t, state, p):
    i, f, g, o = _lstm_parts(x_t, state, p)
    c = i * g
    return o * np.tanh(c), c


def _rnn_with_relu(x_t, h_prev, p):
    return np.maximum(x_t @ p["weight_ih"].T + p["bias_ih"] + h_prev @ p["weight_hh"].T + p["bias_hh"], 0)


def _sce_summed_loss(logits, targets):
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    d = p.copy()
    d[np.arange(n), targets] -= 1
    return -np.sum(np.log(p[np.arange(n), targets])), d / n


@pytest.mark.parametrize(
    "name,fn,hint",
    [
        ("lstm_step", _lstm_without_forget_gate, _LSTM_HINTS[4]),
        ("lstm_step", _lstm_without_c_prev, _LSTM_HINTS[5]),
        ("rnn_step", _rnn_with_relu, "your h_t equals the step computed with relu instead of tanh."),
        ("softmax_cross_entropy", _sce_summed_loss,
         "your loss is the sum over the N rows; the book's loss is their mean."),
    ],
    ids=["lstm-no-forget-gate", "lstm-no-c_prev", "rnn-relu", "sce-summed-loss"],
)
def test_other_mistakes_written_by_a_reader_get_their_hint(capsys, name, fn, hint):
    ok, out = verdict(capsys, name, fn)
    assert ok is False
    assert_one_hint(out, hint)


# ---- whole verdicts -----------------------------------------------------------------------


def _sce_with_clipped_scores(logits, targets):
    """Clips the scores "against overflow": finite, and wrong only for the large scores."""
    z = np.clip(logits, -500, 500)
    n = z.shape[0]
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    d = p.copy()
    d[np.arange(n), targets] -= 1
    return -np.mean(np.log(p[np.arange(n), targets])), d / n


def test_a_finite_wrong_result_on_large_scores_is_not_called_an_overflow(capsys):
    ok, out = verdict(capsys, "softmax_cross_entropy", _sce_with_clipped_scores)
    assert ok is False
    assert out == (
        "softmax_cross_entropy: not yet right. Case 5 of 5 (large scores: N 3, V 4,\n"
        "scores up to 1000):\n"
        "  It was called with logits array (3, 4), targets array (3,).\n"
        "  loss differs: yours 97.3333, expected 187 (a difference of 90).\n"
        "  Cases 1 to 4 passed.\n"
    )


def test_a_nan_loss_on_small_scores_gets_no_overflow_hint(capsys):
    ok, out = verdict(capsys, "softmax_cross_entropy", lambda z, t: (float("nan"), np.zeros_like(z)))
    assert ok is False
    assert out == (
        "softmax_cross_entropy: not yet right. Case 1 of 5 (one prediction: N 1, V\n"
        "4):\n"
        "  It was called with logits array (1, 4), targets array (1,).\n"
        "  loss differs: yours nan, expected 0.12738. loss holds 1 NaN or infinite\n"
        "  value(s).\n"
        "  4 of 4 elements of dlogits differ; the first, dlogits[0, 0]: yours 0,\n"
        "  expected -0.119601. The largest difference is 0.12.\n"
    )


def _clip(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    return {key: g * min(1.0, max_norm / norm) for key, g in grads.items()}


def _clip_then(change):
    def fn(grads, max_norm):
        out = _clip(grads, max_norm)
        return change(out)

    return fn


def _set(out, key, value):
    out[key] = value
    return out


def _renamed(out):
    out["b_hh"] = out.pop("bias_hh")
    return out


def _bumped(key, index):
    def change(out):
        out[key] = out[key].copy()
        out[key][index] += 1.0
        return out

    return change


_CLIP_HEAD = (
    "clip_grad_norm: not yet right. Case 1 of 4 (four gradients, their norm above "
    "max_norm): It was called with grads {weight_ih (4, 3), weight_hh (4, 4), bias_ih (4,), "
    "bias_hh (4,)}, max_norm = 1. "
)


@pytest.mark.parametrize(
    "change,problem",
    [
        (lambda out: _set(out, "total_norm", 1.0),
         "result should have the keys ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']; "
         "unexpected ['total_norm']."),
        (_renamed,
         "result should have the keys ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']; "
         "missing ['bias_hh']; unexpected ['b_hh']."),
        (lambda out: _set(out, "weight_hh", out["weight_hh"].ravel()),
         "result['weight_hh'] has shape (16,); expected (4, 4), the shape of the gradient passed in."),
        (lambda out: _set(out, "bias_ih", "0.1"), "result['bias_ih'] is a str; expected an array."),
        (lambda out: list(out.values()),
         "result is a list of 4 values; expected a dict with the keys and shapes of grads."),
        (_bumped("bias_hh", 1),
         "1 of 36 elements of result differs, result['bias_hh'][1]: yours 0.995268, expected "
         "-0.00473156. The largest difference is 1."),
        (_bumped("bias_ih", 0),
         "1 of 36 elements of result differs, result['bias_ih'][0]: yours 0.998231, expected "
         "-0.00176873. The largest difference is 1."),
    ],
    ids=["extra-key", "renamed-key", "flattened", "a-string", "a-list", "bias_hh-1", "bias_ih-0"],
)
def test_a_wrong_clip_result_is_described_in_full(capsys, change, problem):
    ok, out = verdict(capsys, "clip_grad_norm", _clip_then(change))
    assert ok is False
    assert flat(out) == _CLIP_HEAD + problem


def test_a_missing_array_in_the_clip_result(capsys):
    ok, out = verdict(capsys, "clip_grad_norm", _clip_then(lambda out: _set(out, "bias_ih", None)))
    assert flat(out) == _CLIP_HEAD + "result['bias_ih'] is None; expected an array. Is a return statement missing?"


# ---- where the error happened: the reader's line, not a library's ---------------------------


def _bptt_error_head(error):
    return (
        "bptt: not yet right. Case 1 of 5 (x as a list): your function raised an error. "
        f"It was called with x = [0.5, -1], w_x = 0.8, w_h = 1.2. {error} "
    )


def _line(fn, offset=1):
    return fn.__code__.co_firstlineno + offset


def _parses_json(x, w_x, w_h):
    return json.loads("not json")


def test_an_error_inside_the_standard_library_points_at_the_readers_line(capsys):
    ok, out = verdict(capsys, "bptt", _parses_json)
    assert flat(out) == _bptt_error_head("JSONDecodeError: Expecting value: line 1 column 1 (char 0)") + (
        f'in _parses_json, line {_line(_parses_json)}: return json.loads("not json")'
    )


def _typed_at_a_prompt(source, namespace):
    exec(compile(source, "<stdin>", "exec"), namespace)
    return namespace


def test_code_typed_at_a_prompt_is_the_readers_code_without_its_line_text(capsys):
    typed = _typed_at_a_prompt("def typed(x, w_x, w_h):\n    return 1 / 0\n", {})["typed"]
    ok, out = verdict(capsys, "bptt", typed)
    assert flat(out) == _bptt_error_head("ZeroDivisionError: division by zero") + "in typed, line 2"


def _deeper(x, w_x, w_h):
    raise ZeroDivisionError("deeper")


def test_the_innermost_frame_of_the_readers_code_is_shown(capsys):
    namespace = _typed_at_a_prompt("def typed(x, w_x, w_h):\n    return deeper(x, w_x, w_h)\n", {"deeper": _deeper})
    ok, out = verdict(capsys, "bptt", namespace["typed"])
    assert flat(out) == _bptt_error_head("ZeroDivisionError: deeper") + (
        f'in _deeper, line {_line(_deeper)}: raise ZeroDivisionError("deeper")'
    )


def _installed_helper(folder):
    """A function of an installed package (the file need not exist)."""
    namespace = {}
    exec(compile("def helper():\n    raise ValueError('inside')\n", f"/opt/py/{folder}/pkg/core.py", "exec"), namespace)
    return namespace["helper"]


_SITE_HELPER = _installed_helper("site-packages")
_DIST_HELPER = _installed_helper("dist-packages")


def _calls_site(x, w_x, w_h):
    return _SITE_HELPER()


def _calls_dist(x, w_x, w_h):
    return _DIST_HELPER()


@pytest.mark.parametrize("fn,call", [(_calls_site, "_SITE_HELPER()"), (_calls_dist, "_DIST_HELPER()")],
                         ids=["site-packages", "dist-packages"])
def test_an_error_inside_an_installed_package_points_at_the_readers_line(capsys, fn, call):
    ok, out = verdict(capsys, "bptt", fn)
    assert flat(out) == _bptt_error_head("ValueError: inside") + f"in {fn.__name__}, line {_line(fn)}: return {call}"


def test_an_error_with_no_frame_of_the_readers_code_shows_no_line(capsys):
    ok, out = verdict(capsys, "rnn_step", np.dot)  # raises inside C, called from checks itself
    assert out == (
        "rnn_step: not yet right. Case 1 of 6 (one example: input 3, hidden 3): your\n"
        "function raised an error.\n"
        "  It was called with x_t array (3,), h_prev array (3,), params {weight_ih\n"
        "  (3, 3), weight_hh (3, 3), bias_ih (3,), bias_hh (3,)}.\n"
        "  TypeError: 'out' must be an array\n"
    )


# ---- check() itself ---------------------------------------------------------------------


def test_a_generator_returned_instead_of_an_index(capsys):
    ok, out = verdict(capsys, "sample_with_temperature", lambda z, t, rng: rng)
    assert ok is False
    assert out == (
        "sample_with_temperature: not yet right. Case 1 of 5 (V 5, temperature 1,\n"
        "1200 draws), draw 1:\n"
        "  your function returned a numpy.Generator; expected one integer index from\n"
        "  0 to 4.\n"
    )


def test_an_unknown_exercise_lists_every_exercise_with_its_signature(capsys):
    ok, out = verdict(capsys, "lstm", np.dot)
    assert ok is False
    assert out == (
        "check: there is no exercise called 'lstm'. The exercises are:\n"
        "  rnn_step, chapter 2: f(x_t, h_prev, params) -> h_t\n"
        "  softmax_cross_entropy, chapter 3: f(logits, targets) -> (loss, dlogits)\n"
        "  bptt, chapter 3: f(x, w_x, w_h) -> (y, dy_dw_h)\n"
        "  bptt_w_x, chapter 3: f(x, w_x, w_h) -> (y, dy_dw_x)\n"
        "  clip_grad_norm, chapter 4: f(grads, max_norm) -> dict\n"
        "  lstm_step, chapter 5: f(x_t, (h_prev, c_prev), params) -> (h_t, c_t)\n"
        "  sample_with_temperature, chapter 6: f(logits, temperature, rng) -> index\n"
    )


def test_something_else_than_a_function_is_named(capsys):
    ok, out = verdict(capsys, "lstm_step", [1, 2])
    assert ok is False
    assert out == (
        "check('lstm_step', ...): the second argument must be your function, f(x_t,\n"
        "(h_prev, c_prev), params) -> (h_t, c_t); got a list of 2 values.\n"
    )


@pytest.mark.parametrize("bad", [0, True, "10"])
def test_a_bad_time_limit_is_refused_with_the_whole_message(bad):
    with pytest.raises(ValueError, match=exactly(f"time_limit must be a positive number of seconds; got {bad!r}")):
        check("bptt", _parses_json, time_limit=bad)


def _endless(*args):
    while True:
        pass


def _bptt(x, w_x, w_h):
    return _y(x, w_x, w_h), _dy_dw_h(x, w_x, w_h)


def _bptt_w_x(x, w_x, w_h):
    return _y(x, w_x, w_h), _dy_dw_x(x, w_x, w_h)


@pytest.mark.parametrize(
    "name,fn,covers",
    [
        ("bptt", _bptt, "five inputs and weights, x as a list and as an array"),
        ("bptt_w_x", _bptt_w_x, "five inputs and weights, x as a list and as an array"),
        ("clip_grad_norm", _clip, "norms above and below max_norm; one to four gradients"),
    ],
    ids=["bptt", "bptt_w_x", "clip_grad_norm"],
)
def test_the_verdict_for_a_right_function(capsys, name, fn, covers):
    ok, out = verdict(capsys, name, fn)
    assert ok is True
    assert flat(out) == f"{name}: correct. Your function agrees with the reference on every case ({covers})."


# ---- the seeded cases are the same on every run -------------------------------------------


def test_the_softmax_cases_are_fixed():
    cases = checks._sce_cases()
    assert [case.label for case in cases] == [
        "one prediction: N 1, V 4",
        "a batch: N 3, V 5",
        "a batch: N 6, V 7",
        "a batch: N 2, V 3",
        "large scores: N 3, V 4, scores up to 1000",
    ]
    assert [case.args[1].tolist() for case in cases] == [[0], [0, 3, 1], [1, 2, 3, 1, 0, 6], [2, 2], [0, 0, 2]]
    sums = [(round(float(z.sum()), 6), round(float((z**2).sum()), 6)) for z, _ in (case.args for case in cases)]
    assert sums == [(-4.387418, 39.605525), (2.60015, 68.103168), (20.743632, 130.908518),
                    (-0.347742, 18.224157), (-714.0, 6589770.0)]
    large = cases[4].args[0]
    assert large[0, 0] == 1000.0 and np.array_equal(large, np.round(large))
    assert np.abs(large).max() == 1000.0  # as its label says: scores up to 1000 in size
    assert np.abs(large).max(axis=1).min() > 700  # every row overflows exp without the shift


def test_the_clip_cases_are_fixed():
    cases = checks._clip_cases()
    assert [case.label for case in cases] == [
        "four gradients, their norm above max_norm",
        "four gradients, their norm below max_norm",
        "one gradient, its norm above max_norm",
        "LSTM-sized gradients, norm above max_norm",
    ]
    shapes = [{key: g.shape for key, g in case.args[0].items()} for case in cases]
    assert shapes == [
        {"weight_ih": (4, 3), "weight_hh": (4, 4), "bias_ih": (4,), "bias_hh": (4,)},
        {"weight_ih": (3, 2), "weight_hh": (3, 3), "bias_ih": (3,), "bias_hh": (3,)},
        {"weight": (3, 5)},
        {"weight_ih": (12, 2), "weight_hh": (12, 3), "bias_ih": (12,), "bias_hh": (12,)},
    ]
    assert [case.args[1] for case in cases] == [1.0, 1.0, 2.0, 2.5]
    norms = [round(_norm(case.args[0]), 6) for case in cases]
    sums = [round(float(sum(g.sum() for g in case.args[0].values())), 6) for case in cases]
    assert norms == [21.962248, 0.428846, 11.041331, 19.345779]
    assert sums == [-12.842853, -0.205079, 11.609461, 4.74123]
    # the gradient made large is the one the label implies: weight_hh, then bias_ih
    first, lstm = cases[0].args[0], cases[3].args[0]
    assert max(first, key=lambda key: np.abs(first[key]).max()) == "weight_hh"
    assert max(lstm, key=lambda key: np.abs(lstm[key]).max()) == "bias_ih"


def test_clipping_models_leave_a_gradient_below_max_norm_alone_except_always():
    grads = {"w": np.array([0.3, 0.4]), "b": np.array([0.0])}  # norm 0.5, max_norm 1
    for mode in ["global", "each", "no_sqrt", "values", "sum_of_norms", "upside_down"]:
        result = checks._clip(grads, 1.0, mode=mode)[0]
        np.testing.assert_allclose(result["w"], grads["w"], rtol=3e-6, err_msg=mode)
    np.testing.assert_allclose(checks._clip(grads, 1.0, mode="always")[0]["w"], [0.6, 0.8], rtol=1e-12)


def test_an_unknown_clip_mode_is_refused():
    with pytest.raises(ValueError, match=exactly("sideways")):
        checks._clip({"w": np.ones(2)}, 1.0, mode="sideways")


# ---- results that are not the right kind of thing ----------------------------------------


def _rnn(x_t, h_prev, p):
    return np.tanh(x_t @ p["weight_ih"].T + p["bias_ih"] + h_prev @ p["weight_hh"].T + p["bias_hh"])


_RNN_CASE_1 = (
    "rnn_step: not yet right. Case 1 of 6 (one example: input 3, hidden 3): It was called with "
    "x_t array (3,), h_prev array (3,), params {weight_ih (3, 3), weight_hh (3, 3), bias_ih (3,), "
    "bias_hh (3,)}. "
)


@pytest.mark.parametrize(
    "fn,problem",
    [
        (lambda x, h, p: "0.5", "h_t is a str; expected the shape of h_prev."),
        (lambda x, h, p: _rnn, "h_t is a function; expected the shape of h_prev."),
        (lambda x, h, p: {"h_t": _rnn(x, h, p)}, "h_t is a dict; expected the shape of h_prev."),
        (lambda x, h, p: ["a", "b", "c"], "h_t is a list of 3 values, not numbers; expected the shape of h_prev."),
        (lambda x, h, p: _rnn(x, h, p).reshape(-1, 1),
         "h_t has shape (3, 1); expected (3,), the shape of h_prev. It holds the right numbers in another shape."),
        (lambda x, h, p: _rnn(x, h, p) * (1 + 5e-6),  # off by 5e-6 relative: more than RTOL allows
         "3 of 3 elements of h_t differ; the first, h_t[0]: yours 0.466598, expected 0.466596. The "
         "largest difference is 0.0000031."),
    ],
    ids=["a-string", "a-function", "a-dict", "words", "a-column", "slightly-off"],
)
def test_a_wrong_rnn_result_is_described_in_full(capsys, fn, problem):
    ok, out = verdict(capsys, "rnn_step", fn)
    assert ok is False
    assert flat(out) == _RNN_CASE_1 + problem


def test_a_torch_tensor_is_described_in_full(capsys):
    torch = pytest.importorskip("torch")
    ok, out = verdict(capsys, "rnn_step", lambda x, h, p: torch.from_numpy(_rnn(x, h, p)))
    assert flat(out) == _RNN_CASE_1 + (
        "h_t is a torch Tensor; the book's exercises use numpy arrays (a tensor becomes one with "
        ".detach().numpy())."
    )


def test_a_batch_returned_transposed_is_described_in_full(capsys):
    ok, out = verdict(capsys, "rnn_step", lambda x, h, p: _rnn(x, h, p).T)
    assert ok is False
    assert out == (
        "rnn_step: not yet right. Case 4 of 6 (a batch: batch 2, input 3, hidden 4):\n"
        "  It was called with x_t array (2, 3), h_prev array (2, 4), params\n"
        "  {weight_ih (4, 3), weight_hh (4, 4), bias_ih (4,), bias_hh (4,)}.\n"
        "  h_t has shape (4, 2); expected (2, 4), the shape of h_prev. It holds the\n"
        "  right numbers, transposed: in a batch, each row is one example.\n"
        "  From this case on the input is a batch: x_t is (batch, input) and h_prev\n"
        "  (batch, hidden), one row per example, and h_t must be (batch, hidden).\n"
        "  Cases 1 to 3 passed.\n"
    )


def _sce(logits, targets):
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    d = p.copy()
    d[np.arange(n), targets] -= 1
    return -np.mean(np.log(p[np.arange(n), targets])), d / n


def test_a_part_that_is_not_a_number_does_not_hide_the_hint_for_the_other(capsys):
    ok, out = verdict(capsys, "softmax_cross_entropy", lambda z, t: ("x", -_sce(z, t)[1]))
    assert ok is False
    assert out == (
        "softmax_cross_entropy: not yet right. Case 1 of 5 (one prediction: N 1, V\n"
        "4):\n"
        "  It was called with logits array (1, 4), targets array (1,).\n"
        "  loss is a str; expected one number, the mean over the rows.\n"
        "  4 of 4 elements of dlogits differ; the first, dlogits[0, 0]: yours\n"
        "  0.119601, expected -0.119601. The largest difference is 0.24.\n"
        "  Hint: your dlogits equals the reference with its sign flipped: the\n"
        "  gradient of the loss with respect to a score is p minus the one-hot\n"
        "  target, not the reverse.\n"
    )


def _lstm(x_t, state, p):
    i, f, g, o = _lstm_parts(x_t, state, p)
    c = f * state[1] + i * g
    return o * np.tanh(c), c


_LSTM_CASE_1 = "lstm_step: not yet right. Case 1 of 6 (one example: input 3, hidden 4): "


def test_an_lstm_cell_state_twice_too_large(capsys):
    ok, out = verdict(capsys, "lstm_step", lambda x, s, p: (_lstm(x, s, p)[0], 2 * _lstm(x, s, p)[1]))
    assert flat(out) == _LSTM_CASE_1 + (
        "It was called with x_t array (3,), state (h_prev (4,), c_prev (4,)), params {weight_ih "
        "(16, 3), weight_hh (16, 4), bias_ih (16,), bias_hh (16,)}. 4 of 4 elements of c_t differ; "
        "the first, c_t[0]: yours -0.185753, expected -0.0928764. The largest difference is 2.5."
    )


def test_an_lstm_returning_three_values(capsys):
    ok, out = verdict(capsys, "lstm_step", lambda x, s, p: (*_lstm(x, s, p), 0))
    assert flat(out) == _LSTM_CASE_1 + "your function returned a tuple of 3 values; expected a pair (h_t, c_t)."


def test_an_lstm_returning_nothing(capsys):
    ok, out = verdict(capsys, "lstm_step", lambda x, s, p: None)
    assert flat(out) == (_LSTM_CASE_1 + "your function returned None; expected a pair (h_t, c_t). Is a return "
                         "statement missing?")  # one question mark, no full stop after it


def _lstm_for_one_example(x_t, state, p):
    if x_t.ndim > 1:
        raise NotImplementedError("batches come later")
    return _lstm(x_t, state, p)


def test_an_lstm_for_one_example_gets_the_batch_note(capsys):
    """The whole verdict, line by line: what is indented, and by how much, is part of it."""
    ok, out = verdict(capsys, "lstm_step", _lstm_for_one_example)
    assert out == (
        "lstm_step: not yet right. Case 4 of 6 (a batch: batch 2, input 3, hidden 4):\n"
        "your function raised an error.\n"
        "  It was called with x_t array (2, 3), state (h_prev (2, 4), c_prev (2, 4)),\n"
        "  params {weight_ih (16, 3), weight_hh (16, 4), bias_ih (16,), bias_hh\n"
        "  (16,)}.\n"
        "  NotImplementedError: batches come later\n"
        f"  in _lstm_for_one_example, line {_line(_lstm_for_one_example, 2)}: raise NotImplementedError(\"batches\n"
        "    come later\")\n"
        "  From this case on the input is a batch: x_t is (batch, input), the states\n"
        "  (batch, hidden), one row per example.\n"
        "  Cases 1 to 3 passed.\n"
    )


def _long_complaint(x, w_x, w_h):
    raise ValueError("this message is long enough to be wrapped onto a second line under the first one")


def test_a_long_error_message_wraps_under_its_first_line(capsys):
    ok, out = verdict(capsys, "bptt", _long_complaint)
    assert out.splitlines()[3:6] == [
        "  ValueError: this message is long enough to be wrapped onto a second line",
        "    under the first one",
        f"  in _long_complaint, line {_line(_long_complaint, 1)}: raise ValueError(\"this message is long",
    ]


def test_a_result_with_too_few_parts_is_described_indented(capsys):
    ok, out = verdict(capsys, "lstm_step", lambda x_t, state, p: _lstm(x_t, state, p)[0])
    assert ok is False and out == (
        "lstm_step: not yet right. Case 1 of 6 (one example: input 3, hidden 4):\n"
        "  your function returned an array of shape (4,); expected a pair (h_t, c_t).\n"
    )


def _rnn_without_bias_hh_for_batches(x_t, h_prev, p):
    if x_t.ndim == 1:
        return _rnn(x_t, h_prev, p)
    return np.tanh(x_t @ p["weight_ih"].T + p["bias_ih"] + h_prev @ p["weight_hh"].T)


def test_a_hint_replaces_the_cases_note(capsys):
    ok, out = verdict(capsys, "rnn_step", _rnn_without_bias_hh_for_batches)
    assert ok is False and "Case 4 of 6 (a batch: batch 2, input 3, hidden 4)" in flat(out)
    assert_one_hint(out, "your h_t equals the step computed with bias_hh left out. PyTorch's RNN has two "
                         "biases, bias_ih and bias_hh, and adds both.")
    assert "From this case on" not in out


def test_the_lstm_cases_are_fixed():
    cases = checks._lstm_cases()
    assert [case.label for case in cases] == [
        "one example: input 3, hidden 4",
        "one example: input 1, hidden 2",
        "one example: input 2, hidden 1",
        "a batch: batch 2, input 3, hidden 4",
        "a batch: batch 3, input 5, hidden 2",
        "a batch: batch 1, input 2, hidden 3",
    ]
    note = ("From this case on the input is a batch: x_t is (batch, input), the states (batch, hidden), "
            "one row per example.")
    assert [case.note for case in cases] == ["", "", "", note, "", ""]
    shapes = [(x.shape, h.shape, c.shape, p["weight_ih"].shape, p["weight_hh"].shape)
              for x, (h, c), p in (case.args for case in cases)]
    assert shapes == [
        ((3,), (4,), (4,), (16, 3), (16, 4)),
        ((1,), (2,), (2,), (8, 1), (8, 2)),
        ((2,), (1,), (1,), (4, 2), (4, 1)),
        ((2, 3), (2, 4), (2, 4), (16, 3), (16, 4)),
        ((3, 5), (3, 2), (3, 2), (8, 5), (8, 2)),
        ((1, 2), (1, 3), (1, 3), (12, 2), (12, 3)),
    ]
    sums = [(round(float(x.sum() + h.sum() + c.sum()), 6), round(float(sum(v.sum() for v in p.values())), 6))
            for x, (h, c), p in (case.args for case in cases)]
    assert sums == [(0.554961, -8.616306), (0.833798, 3.775204), (1.999565, 7.891988),
                    (4.30616, -5.475847), (5.249354, 13.720619), (2.380162, -14.193594)]
    assert all(np.abs(h).max() < 0.9 for _, (h, _), _ in (case.args for case in cases))


# ---- the fallback thread ------------------------------------------------------------------


def test_the_fallback_stops_a_function_that_catches_exceptions(capsys):
    ok, out = verdict_off_the_main_thread(capsys, "bptt", _stubborn, time_limit=0.2)
    assert ok is False
    assert flat(out) == (
        "bptt: not yet right. Case 1 of 5 (x as a list): your function did not return within 0.2 "
        "seconds and was stopped. It was called with x = [0.5, -1], w_x = 0.8, w_h = 1.2. Is there "
        "a loop that never ends (a while whose condition never becomes false)? A slow function can "
        "be given more time: check(..., time_limit=60)."
    )


def _sleeping(*args):
    time.sleep(1.6)  # one call into C: the fallback's stop lands only when it returns


def test_the_fallback_says_when_a_function_could_not_be_stopped(capsys):
    """Off the main thread, a function stuck in one long call into C outlives the stop and the
    second (one-second) wait: the verdict says it may still be running, indented as the rest."""
    ok, out = verdict_off_the_main_thread(capsys, "bptt", _sleeping, time_limit=0.2)
    assert ok is False
    assert out == (
        "bptt: not yet right. Case 1 of 5 (x as a list): your function did not return\n"
        "within 0.2 seconds and was stopped.\n"
        "  It was called with x = [0.5, -1], w_x = 0.8, w_h = 1.2. Is there a loop\n"
        "  that never ends (a while whose condition never becomes false)? A slow\n"
        "  function can be given more time: check(..., time_limit=60).\n"
        "  It could not be stopped and may still be running; restart the kernel if\n"
        "  the computer stays busy.\n"
    )
    time.sleep(0.5)  # let the sleeping thread finish before the next test


@pytest.mark.parametrize("name", [["rnn_step"], {"rnn_step": 1}])
def test_an_unhashable_name_is_an_unknown_exercise(capsys, name):
    ok, out = verdict(capsys, name, _bptt)
    assert ok is False
    assert out.startswith(f"check: there is no exercise called {name!r}. The exercises are:\n  rnn_step, chapter 2")


def _stubborn(*args):
    while True:
        try:
            while True:
                pass
        except Exception:  # a reader's broad except must not swallow the stop
            pass


def test_the_fallback_runs_the_function_in_a_named_daemon_thread():
    import threading

    outcome = checks._call_in_thread(lambda: (threading.current_thread().name, threading.current_thread().daemon), 5.0)
    assert outcome.value == ("rnn_helpers.checks", True)


# ---- more seeded cases; inputs changed in place ---------------------------------------------


def test_the_bptt_cases_are_fixed():
    cases = checks._bptt_cases()
    assert [case.label for case in cases] == [
        "x as a list",
        "x as an array, random weights",
        "x as a list, random weights",
        "x as an array, random weights",
        "x as a list, random weights",
    ]
    assert [type(case.args[0]) for case in cases] == [list, np.ndarray, list, np.ndarray, list]
    assert [([float(v) for v in x], w_x, w_h) for x, w_x, w_h in (case.args for case in cases)] == [
        ([0.5, -1.0], 0.8, 1.2),
        ([-1.143, -0.774], -0.177, 0.581),
        ([-0.042, 0.198], 1.05, -0.155),
        ([1.114, -0.616], -1.291, -0.093),
        ([1.165, 0.609], -1.073, 1.378),
    ]


def _bptt_padding_its_list(x, w_x, w_h):
    x.insert(0, 0.0)  # an h_0 = 0 in front, for a loop over steps
    return _bptt(x[1:], w_x, w_h)


def test_a_list_changed_in_place_is_noticed(capsys):
    ok, out = verdict(capsys, "bptt", _bptt_padding_its_list)
    assert ok is False
    assert flat(out) == (
        "bptt: not yet right. Case 1 of 5 (x as a list): your function changed its argument x in "
        "place. Leave the inputs as they are and return new arrays: the caller still needs them."
    )


def _lstm_updating_c_prev_in_place(x_t, state, p):
    h, c = _lstm(x_t, state, p)
    state[1][...] = c
    return h, state[1]


def test_a_state_changed_in_place_is_noticed(capsys):
    ok, out = verdict(capsys, "lstm_step", _lstm_updating_c_prev_in_place)
    assert ok is False
    assert flat(out) == _LSTM_CASE_1 + (
        "your function changed its argument state[1] in place. Leave the inputs as they are and return "
        "new arrays: the caller still needs them."
    )


def _bptt_zeroing_its_first_input(x, w_x, w_h):
    x[0] = 0.0  # a list element replaced: the list is the same object, one number differs
    return _bptt([0.5, -1.0], w_x, w_h)


def test_a_number_of_a_list_changed_in_place_is_noticed(capsys):
    ok, out = verdict(capsys, "bptt", _bptt_zeroing_its_first_input)
    assert ok is False
    assert flat(out) == (
        "bptt: not yet right. Case 1 of 5 (x as a list): your function changed its argument x[0] in "
        "place. Leave the inputs as they are and return new arrays: the caller still needs them."
    )


def test_a_list_number_replaced_by_an_equal_one_is_not_a_change(capsys):
    def fn(x, w_x, w_h):
        x[0] = float(str(x[0]))  # a new float object with the same value
        return _bptt(list(x), w_x, w_h)

    ok, out = verdict(capsys, "bptt", fn)
    assert ok is True, out


@pytest.mark.parametrize(
    "change,text",
    [
        (lambda grads: grads.pop("bias_hh"), "removed the key 'bias_hh' from its argument grads"),
        (lambda grads: grads.update(total=np.zeros(1)), "added the key 'total' to its argument grads"),
    ],
    ids=["removed", "added"],
)
def test_a_key_removed_from_or_added_to_a_dict_argument_is_noticed(capsys, change, text):
    def fn(grads, max_norm):
        out = _clip(grads, max_norm)
        change(grads)
        return out

    ok, out = verdict(capsys, "clip_grad_norm", fn)
    assert ok is False
    assert flat(out) == (
        "clip_grad_norm: not yet right. Case 1 of 4 (four gradients, their norm above max_norm): your "
        f"function {text}. Leave the inputs as they are and return new arrays: the caller still needs them."
    )


def _rnn_right_only_when_input_and_hidden_sizes_agree(x_t, h_prev, p):
    h = _rnn(x_t, h_prev, p)
    return h if x_t.shape[-1] == h_prev.shape[-1] else h + 0.1


def test_a_wrong_rnn_step_on_a_case_that_fits_no_transposed_weight_gets_a_verdict(capsys):
    # the hints "weight_ih transposed" and "weights swapped" cannot be computed when input
    # and hidden sizes differ; they are skipped there, not raised as a matmul error
    ok, out = verdict(capsys, "rnn_step", _rnn_right_only_when_input_and_hidden_sizes_agree)
    assert ok is False
    assert flat(out) == (
        "rnn_step: not yet right. Case 2 of 6 (one example: input 2, hidden 4): It was called with "
        "x_t array (2,), h_prev array (4,), params {weight_ih (4, 2), weight_hh (4, 4), bias_ih (4,), "
        "bias_hh (4,)}. 4 of 4 elements of h_t differ; the first, h_t[0]: yours 0.917534, expected "
        "0.817534. The largest difference is 0.1. Case 1 passed."
    )


def test_a_list_number_replaced_by_nan_is_a_change(capsys):
    def fn(x, w_x, w_h):
        x[0] = float("nan")
        return _bptt([0.5, -1.0], w_x, w_h)

    ok, out = verdict(capsys, "bptt", fn)
    assert ok is False and "your function changed its argument x[0] in place." in flat(out)


def _rnn_without_bias_hh_when_sizes_differ(x_t, h_prev, p):
    h = _rnn(x_t, h_prev, p)
    if x_t.shape[-1] == h_prev.shape[-1]:
        return h
    return np.tanh(x_t @ p["weight_ih"].T + p["bias_ih"] + h_prev @ p["weight_hh"].T)


def test_a_hint_after_one_that_does_not_fit_the_sizes_is_still_found(capsys):
    # on case 2 (input 2, hidden 4) the "weight_ih transposed" hint cannot be computed; the
    # later ones are still tried, and "bias_hh left out" matches
    ok, out = verdict(capsys, "rnn_step", _rnn_without_bias_hh_when_sizes_differ)
    assert ok is False and "Case 2 of 6 (one example: input 2, hidden 4)" in flat(out)
    assert_one_hint(out, "your h_t equals the step computed with bias_hh left out. PyTorch's RNN has two "
                         "biases, bias_ih and bias_hh, and adds both.")


# ---- the sampling check's statistics ------------------------------------------------------


def test_cells_expecting_fewer_than_five_draws_are_pooled():
    # two cells expecting 5 draws each are tested on their own: 20 and 0 draws do not fit
    assert checks._consistent(np.array([980, 20, 0]), np.array([0.99, 0.005, 0.005])) is False
    assert checks._consistent(np.array([979, 21, 0]), np.array([0.989, 0.0055, 0.0055])) is False
    # two cells expecting 1 draw each are pooled: 2 and 0 draws together fit
    assert checks._consistent(np.array([998, 2, 0]), np.array([0.998, 0.001, 0.001])) is True
    # a pool expecting half a draw may receive one
    assert checks._consistent(np.array([999, 1]), np.array([0.9995, 0.0005])) is True
    # a pool expecting (almost) none must receive none
    assert checks._consistent(np.array([999, 1]), np.array([1 - 1e-12, 1e-12])) is False
    assert checks._consistent(np.array([1000, 0]), np.array([1 - 1e-12, 1e-12])) is True


def test_two_cells_are_tested_with_one_degree_of_freedom():
    # chi-square 28.9 is above the 1e-6 limit for one degree of freedom (27.5), 10 is below
    assert checks._consistent(np.array([585, 415]), np.array([0.5, 0.5])) is False
    assert checks._consistent(np.array([550, 450]), np.array([0.5, 0.5])) is True


# ---- a mistake is recognised in whichever case it first shows --------------------------------


def _hints_per_case(name, fn):
    """The hints checks gives for ``fn``'s result on each case where it is wrong."""
    exercise = checks._EXERCISES[name]
    found = []
    for case in exercise.make_cases():
        expected = exercise.reference(*checks._copy(case.args))
        value = fn(*checks._copy(case.args))
        parts, _ = checks._split_parts(exercise, value)
        failing = []
        for k, part in enumerate(exercise.parts):
            got, want, _ = checks._prepare(part, parts[k], expected[k])
            if got is None or not checks._close(got, want):
                failing.append((k, got))
        if failing:
            found.append(checks._find_hints(exercise, case, expected, failing))
    return found


_EVERY_CASE = (
    [("bptt", fn, hint, label) for label, fn, hint in _BPTT_READERS]
    + [("bptt_w_x", fn, hint, label) for label, fn, hint in _BPTT_W_X_READERS]
    + [("clip_grad_norm", fn, hint, label) for label, fn, hint in _CLIP_READERS]
)


@pytest.mark.parametrize("name,fn,hint", [r[:3] for r in _EVERY_CASE], ids=[f"{r[0]}-{r[3]}" for r in _EVERY_CASE])
def test_a_mistake_gets_its_hint_in_every_case_where_it_shows(name, fn, hint):
    found = _hints_per_case(name, fn)
    assert found and all(hints == [hint] for hints in found), found


# ---- sampling verdicts in full ------------------------------------------------------------


def _softmax_t(logits, temperature):
    z = logits / temperature
    p = np.exp(z - z.max())
    return p / p.sum()


def test_sampling_with_the_temperature_multiplying_in_full(capsys):
    ok, out = verdict(capsys, "sample_with_temperature",
                      lambda z, t, rng: rng.choice(len(z), p=_softmax_t(z * t * t, t)))
    assert ok is False
    assert out == (
        "sample_with_temperature: not yet right. Case 2 of 5 (V 4, temperature 0.5,\n"
        "1200 draws): the shares of your draws do not fit the expected probabilities.\n"
        "  index            0       1       2       3\n"
        "  yours       25.8 %  18.7 %  32.2 %  23.3 %\n"
        "  expected    21.3 %   6.4 %  58.0 %  14.3 %\n"
        "  Hint: your draws follow softmax(logits × temperature): the temperature\n"
        "  multiplies the logits instead of dividing them.\n"
    )


def test_sampling_uniformly_at_a_small_temperature_in_full(capsys):
    def fn(z, t, rng):
        return rng.choice(len(z), p=_softmax_t(z, t)) if t > 0.01 else int(rng.integers(len(z)))

    ok, out = verdict(capsys, "sample_with_temperature", fn)
    assert ok is False
    assert out == (
        "sample_with_temperature: not yet right. Case 5 of 5 (V 5, small temperature\n"
        "0.001, 200 draws): the shares of your draws do not fit the expected\n"
        "probabilities.\n"
        "  index            0       1       2       3       4\n"
        "  yours       22.5 %  22.5 %  21.0 %  14.5 %  19.5 %\n"
        "  expected     0.0 % 100.0 %   0.0 %   0.0 %   0.0 %\n"
        "  Hint: your draws look uniform: every index equally often. The\n"
        "  probabilities come from softmax(logits / temperature).\n"
        "  At a small temperature the most likely index should come every time. Here\n"
        "  logits / T reach about 1000, and exp overflows to inf unless the largest\n"
        "  one is subtracted first (which changes nothing mathematically).\n"
    )


def test_sampling_from_an_unknown_distribution_gets_the_table_without_a_hint(capsys):
    def fn(z, t, rng):
        return rng.choice(len(z), p=_softmax_t(-z if t == 2.0 else z, t))

    ok, out = verdict(capsys, "sample_with_temperature", fn)
    assert out == (
        "sample_with_temperature: not yet right. Case 3 of 5 (V 6, temperature 2,\n"
        "1200 draws): the shares of your draws do not fit the expected probabilities.\n"
        "  index            0       1       2       3       4       5\n"
        "  yours        6.4 %  23.7 %  12.8 %   4.2 %   9.2 %  43.8 %\n"
        "  expected    24.5 %   5.5 %  11.6 %  40.3 %  14.8 %   3.3 %\n"
    )


def test_sampling_the_same_index_every_time_in_full(capsys):
    ok, out = verdict(capsys, "sample_with_temperature", lambda z, t, rng: np.array(2))
    assert out == (
        "sample_with_temperature: not yet right. Case 1 of 5 (V 5, temperature 1,\n"
        "1200 draws): the shares of your draws do not fit the expected probabilities.\n"
        "  index            0       1       2       3       4\n"
        "  yours        0.0 %   0.0 % 100.0 %   0.0 %   0.0 %\n"
        "  expected    16.0 %  43.4 %   7.2 %  23.8 %   9.7 %\n"
        "  Hint: every draw gave the same index: does your function make a new\n"
        "  generator on each call instead of drawing with the rng it is given?\n"
    )


_DRAW_1 = "sample_with_temperature: not yet right. Case 1 of 5 (V 5, temperature 1, 1200 draws), draw 1: "


@pytest.mark.parametrize(
    "value,problem",
    [
        (1.5, "your function returned a float (1.5); expected one integer index from 0 to 4."),
        (True, "your function returned a bool; expected one integer index from 0 to 4."),
        (-1, "your function returned -1; expected an index from 0 to 4."),
        (5, "your function returned 5; expected an index from 0 to 4."),
    ],
    ids=["a-float", "a-bool", "minus-one", "one-too-far"],
)
def test_sampling_returns_something_else_than_an_index_in_full(capsys, value, problem):
    ok, out = verdict(capsys, "sample_with_temperature", lambda z, t, rng: value)
    assert ok is False
    assert flat(out) == _DRAW_1 + problem


# ---- numbers and arguments as the reader reads them ----------------------------------------


@pytest.mark.parametrize(
    "value,text",
    [
        (1e6, "1.000 × 10⁶"), (999999.5, "1000000"), (9.9996e-5, "1.000 × 10⁻⁴"), (1e-4, "0.0001"),
        (-123456.7, "-123457"), (float("inf"), "inf"), (float("-inf"), "-inf"), (-2.5e-9, "-2.500 × 10⁻⁹"),
        (3.14159265, "3.14159"), (1.23456789e12, "1.235 × 10¹²"), (-0.0, "0"), (np.float32(0.5), "0.5"),
    ],
)
def test_value_text(value, text):
    assert checks._value_text(value) == text


def test_describe_shows_arrays_by_shape_and_numbers_by_value():
    described = checks._describe(
        (np.zeros((2, 3)), 3, np.random.default_rng(0), [0.5, -1.0], {"a": np.zeros(2)}, np.int64(4), 2.5)
    )
    assert described == "(array (2, 3), 3, a numpy Generator, [0.5, -1], {a (2,)}, 4, 2.5)"


# ---- the alarm timer --------------------------------------------------------------------


def test_a_function_that_never_returns_is_stopped_and_a_timer_set_by_someone_else_keeps_running(capsys):
    import signal

    def handler(signum, frame):
        pass

    previous = signal.signal(signal.SIGALRM, handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, 30.0, 7.0)
        ok, out = verdict(capsys, "bptt", _endless, time_limit=0.2)
        remaining, interval = signal.getitimer(signal.ITIMER_REAL)
        assert signal.getsignal(signal.SIGALRM) is handler
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert ok is False
    assert flat(out) == (
        "bptt: not yet right. Case 1 of 5 (x as a list): your function did not return within 0.2 "
        "seconds and was stopped. It was called with x = [0.5, -1], w_x = 0.8, w_h = 1.2. Is there "
        "a loop that never ends (a while whose condition never becomes false)? A slow function can "
        "be given more time: check(..., time_limit=60)."
    )
    assert 20 < remaining < 29.9 and interval == 7.0


@pytest.mark.parametrize("seconds", [30.0, 0.8], ids=["long", "under-a-second"])
def test_a_one_shot_timer_set_by_someone_else_keeps_running(capsys, seconds):
    import signal

    def handler(signum, frame):
        pass

    previous = signal.signal(signal.SIGALRM, handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds, 0.0)
        ok, out = verdict(capsys, "bptt", _bptt)
        remaining, interval = signal.getitimer(signal.ITIMER_REAL)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert ok is True
    assert 0 < remaining < seconds and interval == 0.0


def _catches_the_first_stop(*args):
    try:
        while True:
            pass
    except BaseException:  # a bare except swallows the first stop; the alarm repeats
        pass
    while True:
        pass


def test_a_function_that_swallows_the_first_stop_is_stopped_by_the_next(capsys):
    ok, out = verdict(capsys, "bptt", _catches_the_first_stop, time_limit=0.2)
    assert ok is False and "did not return within 0.2 seconds and was stopped" in flat(out)
    assert "may still be running" not in out


def test_a_tiny_absolute_difference_on_a_tiny_gradient_is_reported(capsys):
    # 5e-9 is above ATOL (1e-9) plus RTOL times the smallest gradient entry, 2.6e-4
    ok, out = verdict(capsys, "softmax_cross_entropy", lambda z, t: (_sce(z, t)[0], _sce(z, t)[1] + 5e-9))
    assert ok is False
    assert out == (
        "softmax_cross_entropy: not yet right. Case 1 of 5 (one prediction: N 1, V\n"
        "4):\n"
        "  It was called with logits array (1, 4), targets array (1,).\n"
        "  1 of 4 elements of dlogits differs, dlogits[0, 2]: yours 0.000263253,\n"
        "  expected 0.000263248. The largest difference is 5.0 × 10⁻⁹.\n"
    )


# ---- numpy's warnings stay out of the verdict ------------------------------------------------


def _sce_without_the_max(logits, targets):
    n = logits.shape[0]
    e = np.exp(logits)
    p = e / e.sum(axis=1, keepdims=True)
    d = p.copy()
    d[np.arange(n), targets] -= 1
    return -np.mean(np.log(p[np.arange(n), targets])), d / n


def _sampling_without_the_max(logits, temperature, rng):
    p = np.exp(logits / temperature)
    return rng.choice(len(logits), p=p / p.sum())


@pytest.mark.parametrize(
    "name,fn",
    [("softmax_cross_entropy", _sce_without_the_max), ("sample_with_temperature", _sampling_without_the_max)],
    ids=["softmax", "sampling"],
)
def test_an_overflow_in_the_readers_code_gives_no_numpy_warning(capsys, name, fn):
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ok, out = verdict(capsys, name, fn)
    assert ok is False
    assert [str(w.message) for w in caught] == []


# ---- how a call and an error are told -------------------------------------------------------


def test_the_call_is_told_with_shapes_and_for_bptt_with_values():
    def told(name, number):
        exercise = checks._EXERCISES[name]
        return checks._call_text(exercise, exercise.make_cases()[number].args)

    assert told("bptt", 1) == "It was called with x = array([-1.143, -0.774]), w_x = -0.177, w_h = 0.581."
    assert told("bptt_w_x", 0) == "It was called with x = [0.5, -1], w_x = 0.8, w_h = 1.2."
    assert told("softmax_cross_entropy", 1) == "It was called with logits array (3, 5), targets array (3,)."
    assert told("rnn_step", 1) == (
        "It was called with x_t array (2,), h_prev array (4,), params {weight_ih (4, 2), weight_hh (4, 4), "
        "bias_ih (4,), bias_hh (4,)}."
    )
    assert told("lstm_step", 1) == (
        "It was called with x_t array (1,), state (h_prev (2,), c_prev (2,)), params {weight_ih (8, 1), "
        "weight_hh (8, 2), bias_ih (8,), bias_hh (8,)}."
    )


def _raises_two_lines(x, w_x, w_h):
    raise ValueError("first line\nsecond line")


def _raises_without_a_message(x, w_x, w_h):
    raise ValueError()


@pytest.mark.parametrize(
    "fn,error",
    [(_raises_two_lines, "ValueError: first line"), (_raises_without_a_message, "ValueError:")],
    ids=["two-lines", "no-message"],
)
def test_an_error_is_told_by_its_first_line(capsys, fn, error):
    ok, out = verdict(capsys, "bptt", fn)
    source = "raise ValueError()" if fn is _raises_without_a_message else 'raise ValueError("first line\\nsecond line")'
    assert flat(out) == _bptt_error_head(error) + f"in {fn.__name__}, line {_line(fn)}: {source}"


def test_the_rnn_cases_are_fixed():
    cases = checks._rnn_cases()
    assert [case.label for case in cases] == [
        "one example: input 3, hidden 3",
        "one example: input 2, hidden 4",
        "one example: input 1, hidden 1",
        "a batch: batch 2, input 3, hidden 4",
        "a batch: batch 5, input 4, hidden 2",
        "a batch: batch 1, input 3, hidden 3",
    ]
    note = ("From this case on the input is a batch: x_t is (batch, input) and h_prev (batch, hidden), one "
            "row per example, and h_t must be (batch, hidden).")
    assert [case.note for case in cases] == ["", "", "", note, "", ""]
    shapes = [(x.shape, h.shape, p["weight_ih"].shape, p["weight_hh"].shape, p["bias_ih"].shape, p["bias_hh"].shape)
              for x, h, p in (case.args for case in cases)]
    assert shapes == [
        ((3,), (3,), (3, 3), (3, 3), (3,), (3,)),
        ((2,), (4,), (4, 2), (4, 4), (4,), (4,)),
        ((1,), (1,), (1, 1), (1, 1), (1,), (1,)),
        ((2, 3), (2, 4), (4, 3), (4, 4), (4,), (4,)),
        ((5, 4), (5, 2), (2, 4), (2, 2), (2,), (2,)),
        ((1, 3), (1, 3), (3, 3), (3, 3), (3,), (3,)),
    ]
    sums = [(round(float(x.sum() + h.sum()), 6), round(float(sum(v.sum() for v in p.values())), 6))
            for x, h, p in (case.args for case in cases)]
    assert sums == [(1.289653, 0.942067), (-1.33985, -2.87316), (-0.254454, 0.490131),
                    (4.460042, 7.554032), (-1.410464, 0.471646), (-2.3432, -0.221972)]
    assert all(np.abs(h).max() < 0.9 for _, h, _ in (case.args for case in cases))


def test_wrap_keeps_hyphenated_and_long_words_whole():
    assert checks._wrap("x " * 34 + "pre-activation and more") == ["x " * 33 + "x", "pre-activation and more"]
    assert checks._wrap("a " + "x" * 100 + " b", "  ") == ["  a", "  " + "x" * 100, "  b"]
    assert checks._wrap("first words " * 8, "    ", first="  ") == [
        "  " + " ".join(["first words"] * 6),
        "    first words first words",
    ]


def _sampling_with_the_global_generator(logits, temperature, rng):
    return np.random.choice(len(logits), p=_softmax_t(logits, temperature))


def _sampler_not_written_yet(logits, temperature, rng):
    raise RuntimeError("no sampler yet")


_SAMPLING_CASE_1 = "sample_with_temperature: not yet right. Case 1 of 5 (V 5, temperature 1, 1200 draws)"
_SAMPLING_CALL = "It was called 1200 times with logits (5,), temperature 1 and one rng."


def test_sampling_with_the_global_generator_in_full(capsys):
    ok, out = verdict(capsys, "sample_with_temperature", _sampling_with_the_global_generator)
    assert ok is False
    assert out == (
        "sample_with_temperature: not yet right. Case 1 of 5 (V 5, temperature 1,\n"
        "1200 draws):\n"
        "  two runs with the same seed gave different draws. Draw with the rng your\n"
        "  function is given, not with np.random or a generator of its own, so that a\n"
        "  seed makes the text reproducible.\n"
    )


def test_a_sampler_that_raises_in_full(capsys):
    ok, out = verdict(capsys, "sample_with_temperature", _sampler_not_written_yet)
    assert ok is False
    assert flat(out) == _SAMPLING_CASE_1 + (
        f": your function raised an error. {_SAMPLING_CALL} RuntimeError: no sampler yet in "
        f'_sampler_not_written_yet, line {_line(_sampler_not_written_yet)}: raise RuntimeError("no sampler yet")'
    )


def test_a_sampler_that_never_returns_in_full(capsys):
    ok, out = verdict(capsys, "sample_with_temperature", _endless, time_limit=0.1)
    assert ok is False
    assert flat(out) == _SAMPLING_CASE_1 + (
        f": your function did not return within 0.1 seconds and was stopped. {_SAMPLING_CALL} Is there a "
        "loop that never ends (a while whose condition never becomes false)? A slow function can be given "
        "more time: check(..., time_limit=60)."
    )


@pytest.mark.parametrize("value, name", [(3, "an int"), (3.5, "a float"), (np.float64(1), "a numpy.float64"),
                                         (object(), "an object"), (Ellipsis, "an ellipsis")])
def test_a_type_is_named_with_the_right_article(value, name):
    assert checks._type_name(value) == name


def test_a_mantissa_is_rounded_to_three_decimals_before_it_is_compared_with_10():
    assert checks._value_text(9.6e7) == "9.600 × 10⁷"
    assert checks._value_text(-9.99996e-7) == "-1.000 × 10⁻⁶"


def test_a_type_name_gets_an_only_before_a_vowel_and_a_sentence_keeps_its_full_stop():
    class Xylophone:
        pass

    Xylophone.__module__ = "Xylo"  # a module whose name starts with a capital X
    assert checks._type_name(Xylophone()) == "a Xylo.Xylophone"
    assert checks._type_name(1 + 2j) == "a complex" and checks._type_name(3) == "an int"
    assert checks._sentence("Done.") == "Done." and checks._sentence("Done") == "Done."
