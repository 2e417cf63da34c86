"""Attack every computational public function of rnn_helpers with plausible bad input.

Usage: ``PYTHONPATH=$PWD .venv/bin/python benchmarks/attack_inputs.py [-v] [--table]``

Each function gets a valid baseline call. Then, one argument at a time, the baseline value is
replaced by inputs a reader could plausibly type: the wrong type, None, NaN, infinity, an
empty or wrongly shaped array, a bool for a count, a negative size, a torch tensor, a masked
array, a sentence where a word list belongs, ... ("bad"), and by inputs that mean the same
thing in another form: a list, float32, integers, Fortran order, a read-only or negatively
strided array, a numpy scalar or numpy string ("same"). Outcomes:

- clear: ValueError / TypeError / FloatingPointError whose message names the argument;
- warned: a warning, and a result;
- right: a "same" input gives the baseline's result;
- accepted: a "bad" input returns without a word (listed, to be judged by hand);
- raw: any other error, or a message that does not name the argument (listed: a bug);
- wrong: a "same" input gives another result or an error (listed: a bug).

Plotting, widget and training functions are left out (they call the functions attacked here
and take seconds per call); so are the private helpers.
"""

from __future__ import annotations

import copy
import sys
import warnings
from collections import Counter

import numpy as np
import torch

from rnn_helpers import lstm_backward, lstm_forward, params_from_torch, params_to_torch, rnn_backward, rnn_forward
from rnn_helpers import bigram, char_rnn, connectivity, diagrams, forget_gate, formatting, gradcheck, init
from rnn_helpers import jacobians, long_lag, losses, memory_demos, sequence_tasks, unrolling, vocab as vocab_module

RNG = np.random.default_rng(0)
VOCAB = vocab_module.Vocabulary(list("Pleas"))
WORDS = vocab_module.Vocabulary(["the", "dog", "bit", "man"])
RNN = init.init_rnn_params(3, 4, seed=1)
LSTM = init.init_rnn_params(3, 4, gates=4, seed=2)
READOUT = init.init_readout(4, 2, seed=3)
CHAR = char_rnn.init_char_rnn(5, 4, seed=4)
X = RNG.normal(size=(5, 3))
XB = RNG.normal(size=(5, 2, 3))
ONE_HOT = VOCAB.one_hot("Pleas")
TARGETS = np.array([1, 2, 3, 4, -1])
TABLE = bigram.fit_bigram(["Please"], VOCAB)
_, RNN_CACHE = rnn_forward(X, RNN)
_, _, LSTM_CACHE = lstm_forward(X, LSTM)
_, _, CHAR_CACHE = char_rnn.char_rnn_forward(ONE_HOT, CHAR)
LOGITS = RNG.normal(size=(5, 5))
TRACES = {"c": RNG.normal(size=(3, 6, 4))}
Y = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0])

# name -> (function, keyword arguments of a valid call)
BASELINES = {
    "rnn_forward": (rnn_forward, {"x": XB, "params": RNN, "h0": np.zeros((2, 4)), "nonlinearity": "tanh"}),
    "rnn_backward": (rnn_backward, {"dh": np.ones((5, 4)), "cache": RNN_CACHE}),
    "lstm_forward": (lstm_forward, {"x": X, "params": LSTM}),
    "lstm_backward": (lstm_backward, {"dh": np.ones((5, 4)), "cache": LSTM_CACHE}),
    "params_from_torch": (params_from_torch, {"module": torch.nn.LSTM(3, 4)}),
    "params_to_torch": (params_to_torch, {"params": RNN, "module": torch.nn.RNN(3, 4)}),
    "init_rnn_params": (init.init_rnn_params, {"input_size": 3, "hidden_size": 4, "gates": 1, "seed": 0}),
    "init_readout": (init.init_readout, {"hidden_size": 4, "output_size": 2, "seed": 0}),
    "sigmoid": (__import__("rnn_helpers.activations").activations.sigmoid, {"a": X}),
    "Vocabulary": (vocab_module.Vocabulary, {"tokens": ["the", "dog", "bit", "man"]}),
    "Vocabulary.encode": (WORDS.encode, {"sequence": ["the", "dog"]}),
    "Vocabulary.decode": (WORDS.decode, {"indices": np.array([0, 1])}),
    "Vocabulary.one_hot": (VOCAB.one_hot, {"sequence": "Please"}),
    "Vocabulary.bag_of_words": (WORDS.bag_of_words, {"sequence": ["the", "dog", "the"]}),
    "fit_bigram": (bigram.fit_bigram, {"words": ["Please"], "vocab": VOCAB}),
    "bigram_probs": (bigram.bigram_probs, {"table": TABLE, "vocab": VOCAB, "text": "Ple"}),
    "bigram_generate": (bigram.bigram_generate, {"table": TABLE, "vocab": VOCAB, "start": "Pl", "length": 4,
                                                 "mode": "sample", "seed": 0}),
    "init_char_rnn": (char_rnn.init_char_rnn, {"vocab_size": 5, "hidden_size": 4, "seed": 0}),
    "char_rnn_forward": (char_rnn.char_rnn_forward, {"x": ONE_HOT, "params": CHAR, "h0": np.zeros(4)}),
    "char_rnn_backward": (char_rnn.char_rnn_backward, {"dlogits": LOGITS, "cache": CHAR_CACHE}),
    "char_rnn_loss": (char_rnn.char_rnn_loss, {"params": CHAR, "x": ONE_HOT, "targets": TARGETS}),
    "state_gradient_norms": (char_rnn.state_gradient_norms, {"params": CHAR, "x": ONE_HOT, "targets": TARGETS}),
    "Adagrad": (char_rnn.Adagrad, {"params": {"w": np.ones(3)}, "lr": 0.1, "eps": 1e-10}),
    "Adagrad.step": (lambda params, grads: char_rnn.Adagrad({"w": np.ones(3)}).step(params, grads),
                     {"params": {"w": np.ones(3)}, "grads": {"w": np.ones(3)}}),
    "generate": (char_rnn.generate, {"params": CHAR, "vocab": VOCAB, "start": "Pl", "length": 3,
                                     "mode": "argmax", "seed": None}),
    "softmax": (losses.softmax, {"logits": LOGITS}),
    "cross_entropy": (losses.cross_entropy, {"logits": LOGITS, "targets": TARGETS}),
    "softmax_cross_entropy": (losses.softmax_cross_entropy, {"logits": LOGITS, "targets": TARGETS}),
    "relative_error": (gradcheck.relative_error, {"ours": X, "reference": X + 1e-9}),
    "order_of_magnitude": (gradcheck.order_of_magnitude, {"value": 3e-7, "floor": 1e-12}),
    "compare": (gradcheck.compare, {"ours": X, "reference": X + 1e-9}),
    "numerical_gradient": (gradcheck.numerical_gradient, {"loss_fn": lambda p: float((p["w"] ** 2).sum()),
                                                          "params": {"w": np.ones(3)}}),
    "number_text": (formatting.number_text, {"value": 4.2e-5}),
    "subscript": (formatting.subscript, {"text": 12}),
    "superscript": (formatting.superscript, {"text": -15}),
    "check_w2": (connectivity.check_w2, {"w2": 0.5}),
    "first_input_pulse": (connectivity.first_input_pulse, {"steps": 5, "size": 1.0}),
    "neuron_states": (connectivity.neuron_states, {"w2": 0.5, "inputs": np.ones(5), "activation": "tanh"}),
    "connectivity": (connectivity.connectivity, {"w2": 0.5, "inputs": np.ones(5), "activation": "tanh"}),
    "linear_connectivity": (connectivity.linear_connectivity, {"w2": 0.5, "steps": 5}),
    "fixed_point": (connectivity.fixed_point, {"w2": 1.5}),
    "step_jacobians": (jacobians.step_jacobians, {"x": X, "params": RNN}),
    "gradient_norms": (jacobians.gradient_norms, {"x": X, "params": RNN}),
    "vanishing_bound": (jacobians.vanishing_bound, {"spectral_norm": 0.9, "nonlinearity": "tanh", "steps": 5}),
    "matrix_with_spectral_norm": (jacobians.matrix_with_spectral_norm, {"hidden": 4, "spectral_norm": 0.9,
                                                                        "rng": np.random.default_rng(0)}),
    "long_lag_batch": (long_lag.long_lag_batch, {"lag": 5, "batch": 3, "rng": np.random.default_rng(0)}),
    "test_set": (long_lag.test_set, {"lag": 5, "size": 4}),
    "memory_unit": (long_lag.memory_unit, {"traces": TRACES, "y": Y}),
    "speeds_from_frames": (memory_demos.speeds_from_frames, {"positions": np.array([0.0, 1.0, 3.0])}),
    "read_out": (sequence_tasks.read_out, {"h": np.ones((5, 4)), "readout": READOUT}),
    "one_to_many": (sequence_tasks.one_to_many, {"x": X[0], "params": RNN, "readout": READOUT, "steps": 3}),
    "many_to_one": (sequence_tasks.many_to_one, {"xs": X, "params": RNN, "readout": READOUT}),
    "encode_decode": (sequence_tasks.encode_decode, {"xs": X, "encoder_params": RNN, "decoder_params": RNN,
                                                     "readout": READOUT, "steps": 3}),
    "scalar_neuron": (unrolling.scalar_neuron, {"x": np.ones(5), "w_rec": 0.5}),
    "unrolled_terms": (unrolling.unrolled_terms, {"x": np.ones(5), "w_rec": 0.5}),
    "removal_effect": (unrolling.removal_effect, {"x": X, "params": RNN}),
    "plain_label": (diagrams.plain_label, {"label": "$\\hat{y}_5$"}),
    "forget_value": (forget_gate.forget_value, {"bias": 1.0}),
    "cell_state_connectivity": (forget_gate.cell_state_connectivity, {"forget_gates": np.full((5, 4), 0.9)}),
    "scalar_lstm_params": (forget_gate.scalar_lstm_params, {"forget_bias": 1.0}),
    "scalar_lstm_connectivity": (forget_gate.scalar_lstm_connectivity, {"forget_bias": 1.0, "inputs": np.ones(5)}),
}


def array_variants(value: np.ndarray):
    """(label, input, kind) for an array argument: kind "bad" or "same"."""
    yield "None", None, "bad"
    yield "a string", "text", "bad"
    yield "a dict", {}, "bad"
    if value.dtype.kind == "f":
        for label, fill in (("NaN inside", np.nan), ("infinity inside", np.inf)):
            broken = value.copy()
            broken.flat[0] = fill
            yield label, broken, "bad"
        masked = np.ma.masked_array(value, mask=np.zeros(value.shape, dtype=bool))
        masked[(0,) * value.ndim] = np.ma.masked
        yield "a masked array", masked, "bad"
        yield "complex numbers", value.astype(complex), "bad"
        yield "float32", value.astype(np.float32), "same-close"
    yield "an empty array", np.zeros((0,) * max(value.ndim, 1)), "bad"
    yield "an extra axis", value[None], "bad"
    if value.ndim >= 1 and value.shape[-1] > 1:
        yield "one column fewer", value[..., :-1], "bad"
    if value.ndim >= 1:
        yield "a scalar", value.flat[0] if value.size else 0.0, "bad"
    yield "a torch tensor", torch.from_numpy(np.array(value)), "bad"
    yield "a bool array", np.ones(value.shape, dtype=bool), "bad"
    yield "a list", value.tolist(), "same"
    yield "Fortran order", np.asfortranarray(value), "same"
    yield "negative strides", np.ascontiguousarray(value[::-1])[::-1] if value.ndim else value, "same"
    read_only = value.copy()
    read_only.flags.writeable = False
    yield "read-only", read_only, "same"


def scalar_variants(value):
    yield "None", None, "bad"
    yield "a string", str(value), "bad"
    yield "True", True, "bad"
    yield "a one-element list", [value], "bad"
    if isinstance(value, (int, np.integer)):
        yield "-1", -1, "bad"
        yield "2.5", 2.5, "bad"
        yield "numpy int", np.int64(value), "same"
    else:
        yield "NaN", float("nan"), "bad"
        yield "infinity", float("inf"), "bad"
        yield "numpy float32", np.float32(value), "same-close"
        yield "numpy float64", np.float64(value), "same"


def dict_variants(value: dict):
    yield "None", None, "bad"
    yield "a list of its arrays", list(value.values()), "bad"
    yield "an empty dict", {}, "bad"
    key = next(iter(value))
    yield "a key missing", {k: v for k, v in value.items() if k != key}, "bad"
    if isinstance(value[key], np.ndarray):
        yield "NaN in an entry", {**value, key: np.full_like(value[key], np.nan)}, "bad"
        yield "an entry of the wrong shape", {**value, key: np.zeros(value[key].shape + (2,))}, "bad"
        yield "entries as lists", {k: np.asarray(v).tolist() for k, v in value.items()}, "same"


def variants(name: str, value):
    if isinstance(value, np.ndarray):
        yield from array_variants(value)
    elif isinstance(value, bool):
        return
    elif isinstance(value, (int, float, np.integer, np.floating)):
        yield from scalar_variants(value)
    elif isinstance(value, str):
        yield "None", None, "bad"
        yield "a number", 1, "bad"
        yield "an empty string", "", "bad"
        yield "a misspelling", value.upper() + "x", "bad"
        yield "a numpy string", np.str_(value), "same"
    elif isinstance(value, dict) and name not in ("traces", "cache"):
        # A cache is made by the forward pass, never typed: only whole wrong caches are tried.
        yield from dict_variants(value)
    elif isinstance(value, list):
        yield "None", None, "bad"
        yield "an empty list", [], "bad"
        yield "a number", 3, "bad"
        if all(isinstance(v, str) for v in value):
            yield "one string joined by spaces", " ".join(value), "bad"
            yield "numbers instead of strings", list(range(len(value))), "bad"
            yield "a tuple", tuple(value), "same"
    elif isinstance(value, vocab_module.Vocabulary):
        yield "a list of tokens", list(value.tokens), "bad"
        yield "a string", "Pleas", "bad"
        yield "None", None, "bad"
    elif isinstance(value, np.random.Generator):
        yield "an int seed", 0, "bad"
        yield "None", None, "bad"
    elif isinstance(value, torch.nn.Module):
        yield "a Linear layer", torch.nn.Linear(3, 4), "bad"
        yield "a subclass", type("MyModule", (type(value),), {})(3, 4), "same-module"
        yield "a 2-layer module", type(value)(3, 4, num_layers=2), "bad"
        yield "a batch_first module", type(value)(3, 4, batch_first=True), "bad"
        yield "None", None, "bad"
    elif callable(value):
        yield "None", None, "bad"
        yield "a number", 1, "bad"
    elif name in ("cache", "traces"):
        pass
    if name == "cache":
        yield "None", None, "bad"
        yield "an empty dict", {}, "bad"
        yield "the (h, cache) tuple", (np.ones(3), value), "bad"
    if name == "traces":
        yield "None", None, "bad"
        yield "an empty dict", {}, "bad"


def results_equal(a, b, close: bool) -> bool:
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(results_equal(a[k], b[k], close) for k in a)
    if isinstance(a, (tuple, list)) and not isinstance(a, str):
        return isinstance(b, (tuple, list)) and len(a) == len(b) and all(results_equal(x, y, close) for x, y in zip(a, b))
    if isinstance(a, torch.nn.Module):
        return True
    if isinstance(a, (np.ndarray, float, int, np.number)):
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        if a.shape != b.shape:
            return False
        return bool(np.allclose(a, b, rtol=1e-6, atol=1e-7) if close else np.array_equal(a, b))
    if hasattr(a, "__dict__") and not isinstance(a, type):
        return True  # objects (an optimizer): construction succeeded
    return a == b


def call(function, arguments):
    # A Generator is consumed by each call: every call gets its own copy in the same state.
    arguments = {key: copy.deepcopy(value) if isinstance(value, np.random.Generator) else value
                 for key, value in arguments.items()}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = function(**arguments)
    return result, [w for w in caught if not issubclass(w.category, DeprecationWarning)]


GROUPS = {
    "wrong type (None, str, bool, dict, number, torch tensor, Linear layer, int for rng, ...)": (
        "None", "a string", "True", "a dict", "a number", "a torch tensor", "a Linear layer", "an int seed",
        "a list of tokens", "a list of its arrays", "numbers instead of strings", "a bool array",
        "complex numbers", "the (h, cache) tuple", "a one-element list"),
    "NaN or infinity (in an array, a scalar or a dict entry)": (
        "NaN inside", "infinity inside", "NaN", "infinity", "NaN in an entry"),
    "masked array": ("a masked array",),
    "wrong shape (empty, extra axis, one column fewer, scalar, wrong entry shape)": (
        "an empty array", "an extra axis", "one column fewer", "a scalar", "an entry of the wrong shape"),
    "wrong count (-1, 2.5) or missing dict key / empty dict": ("-1", "2.5", "a key missing", "an empty dict"),
    "wrong text (empty, misspelled, a sentence for a word list, empty list)": (
        "an empty string", "a misspelling", "one string joined by spaces", "an empty list"),
    "module the dict cannot describe (2 layers, batch_first)": ("a 2-layer module", "a batch_first module"),
    "same value, other form (list, float32, int, Fortran, strided, read-only, numpy scalar/string, subclass)": (
        "Fortran order", "negative strides", "read-only", "float32", "numpy int", "numpy float32",
        "numpy float64", "a numpy string", "entries as lists", "a tuple", "a subclass", "a list"),
}


def outcome(function, baseline, expected, argument, bad, kind) -> tuple[str, str]:
    """(outcome, detail) of one call with ``argument`` replaced by ``bad``."""
    try:
        result, caught = call(function, {**baseline, argument: bad})
    except (ValueError, TypeError, FloatingPointError) as error:
        message = f"{type(error).__name__}: {str(error)[:140]}"
        if kind.startswith("same"):
            return "wrong", f"refused a valid input: {message}"
        named = argument in str(error) or argument.rstrip("s") in str(error)
        return ("clear" if named else "raw"), message
    except Exception as error:  # noqa: BLE001 - that is what we are looking for
        return ("wrong" if kind.startswith("same") else "raw"), f"{type(error).__name__}: {str(error)[:140]}"
    if caught:
        return "warned", str(caught[0].message)[:140]
    if kind.startswith("same"):
        if kind == "same-module" or results_equal(expected, result, close=kind == "same-close"):
            return "right", ""
        return "wrong", "another result than the baseline"
    return "accepted", f"returned {type(result).__name__}"


def main(verbose: bool) -> int:
    counts = Counter()
    by_label: dict[str, Counter] = {}
    notes = []
    for name, (function, baseline) in BASELINES.items():
        expected, _ = call(function, baseline)
        for argument, value in baseline.items():
            for label, bad, kind in variants(argument, value):
                result, detail = outcome(function, baseline, expected, argument, bad, kind)
                for tally in (counts, by_label.setdefault(label, Counter())):
                    tally["tried"] += 1
                    tally[result] += 1
                if verbose or result in ("raw", "wrong", "accepted"):
                    notes.append(f"{result:<8} {name}({argument}={label}): {detail}")
    print("\n".join(notes))
    print(f"\n{len(BASELINES)} functions; " + ", ".join(f"{key} {counts[key]}" for key in
          ("tried", "clear", "warned", "right", "accepted", "raw", "wrong")))
    if "--table" in sys.argv:
        print("\n| input kind | tried | clear error | warned | right answer | accepted (valid) | raw or wrong |")
        print("|---|---|---|---|---|---|---|")
        grouped = {group: Counter() for group in GROUPS}
        for label, tally in by_label.items():
            group = next((g for g, labels in GROUPS.items() if label in labels), label)
            grouped.setdefault(group, Counter()).update(tally)
        for group, tally in grouped.items():
            print(f"| {group} | " + " | ".join(str(tally[k]) for k in ("tried", "clear", "warned", "right", "accepted"))
                  + f" | {tally['raw'] + tally['wrong']} |")
    return counts["raw"] + counts["wrong"]


if __name__ == "__main__":
    sys.exit(1 if main("-v" in sys.argv) else 0)
