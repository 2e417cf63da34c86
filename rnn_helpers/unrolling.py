"""From a feedforward stack to one recurrent layer, and the forward pass as a for loop.

Introduced in chapter 2. Three small pieces, each checked against ``rnn_forward``:

* a stack of layers where every layer may read an input of its own. With its own weights
  per layer it is a deep network; with one set of weights shared by every layer it computes
  exactly what the recurrent layer computes (``stack_forward``, ``untied_stack``,
  ``tied_stack``, ``count_parameters``);
* the scalar neuron with recurrent weight ``W2`` whose unrolled sum
  ``h_T = x_T + W2 x_{T-1} + W2^2 x_{T-2} + ...`` chapter 4 starts from
  (``scalar_neuron``, ``unrolled_terms``, ``unrolled_sum_latex``);
* a tiny intent classifier that reads "What time is it ?" one word at a time and classifies
  the final hidden state (``INTENT_EXAMPLES``, ``train_intent_classifier``, ``intent_logits``,
  ``removal_effect``).

Parameters use PyTorch's names: a recurrent layer is ``weight_ih`` (hidden, input),
``weight_hh`` (hidden, hidden), ``bias_ih`` and ``bias_hh`` (hidden,), as ``torch.nn.RNN``;
a readout is ``weight`` (classes, hidden) and ``bias`` (classes,), as ``torch.nn.Linear``.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

from ._validate import check_choice, check_ndim, check_params, check_shape, real_array
from .activations import NONLINEARITIES
from .numpy_rnn import check_rnn_params, rnn_backward, rnn_forward
from .vocab import Vocabulary

READOUT_KEYS = ("weight", "bias")


def check_steps(steps, name: str = "steps", maximum: int | None = None) -> int:
    """Return ``steps`` as an int, or raise: it must be a whole number from 1 to ``maximum``."""
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral):
        raise TypeError(f"{name} must be a whole number of time steps (an int), got {type(steps).__name__} {steps!r}")
    steps = int(steps)
    if steps < 1 or (maximum is not None and steps > maximum):
        expected = f"from 1 to {maximum}" if maximum is not None else "at least 1"
        raise ValueError(f"{name} must be {expected}; got {steps}")
    return steps


# --- From a deep stack to a recurrent layer -------------------------------------------------

def random_layer(rng: np.random.Generator, input_size: int, hidden: int, scale: float = 0.5) -> dict[str, np.ndarray]:
    """One layer's parameters, drawn from N(0, scale^2), in ``torch.nn.RNN``'s layout.

    Shapes: ``weight_ih`` (hidden, input), ``weight_hh`` (hidden, hidden), ``bias_ih`` and
    ``bias_hh`` (hidden,). Introduced in chapter 2.
    """
    input_size = check_steps(input_size, "input_size")
    hidden = check_steps(hidden, "hidden")
    return {
        "weight_ih": rng.normal(0.0, scale, (hidden, input_size)),
        "weight_hh": rng.normal(0.0, scale, (hidden, hidden)),
        "bias_ih": rng.normal(0.0, scale, hidden),
        "bias_hh": rng.normal(0.0, scale, hidden),
    }


def untied_stack(rng: np.random.Generator, layers: int, input_size: int, hidden: int, scale: float = 0.5) -> list[dict]:
    """``layers`` layers, each with weights of its own: a deep network. Introduced in chapter 2."""
    layers = check_steps(layers, "layers")
    return [random_layer(rng, input_size, hidden, scale) for _ in range(layers)]


def tied_stack(params, layers: int) -> list[dict]:
    """``layers`` layers that all hold the *same* arrays (not copies): shared weights.

    The layers are one dict, a validated float64 copy of ``params``; changing a weight of
    any layer changes every layer at once, which is what sharing means.
    Introduced in chapter 2.
    """
    params = check_rnn_params(params)
    layers = check_steps(layers, "layers")
    return [params] * layers


def stack_forward(inputs: Sequence, layers: Sequence[dict], nonlinearity: str = "tanh", h0=None) -> np.ndarray:
    """Run a stack of layers where layer k reads the layer below and, optionally, an input x_k.

    Layer k computes ``h_k = f(weight_ih_k @ x_k + bias_ih_k + weight_hh_k @ h_{k-1} + bias_hh_k)``;
    an input of ``None`` drops the ``weight_ih_k @ x_k`` term (a layer that reads no input), and
    ``h_0`` is ``h0`` (zeros if omitted). With only the first input given this is a plain deep
    network; with an input for every layer and shared weights it is ``rnn_forward``.

    Parameters
    ----------
    inputs : list of L arrays of shape (input,), or None
    layers : list of L parameter dicts (``torch.nn.RNN`` layout, see ``random_layer``)
    nonlinearity : {"tanh", "relu", "sigmoid", "linear"}
    h0 : array (hidden,), optional

    Returns the L hidden states, shape (L, hidden). Introduced in chapter 2.
    """
    nonlinearity = check_choice(nonlinearity, "nonlinearity", tuple(NONLINEARITIES))
    if isinstance(inputs, (str, np.ndarray)) or not isinstance(inputs, Sequence):
        raise TypeError(f"inputs must be a list with one array (or None) per layer, got {type(inputs).__name__}")
    if isinstance(layers, dict) or not isinstance(layers, Sequence):
        raise TypeError(f"layers must be a list of parameter dicts, one per layer, got {type(layers).__name__}")
    if len(layers) == 0 or len(inputs) != len(layers):
        raise ValueError(f"inputs and layers must be non-empty and of the same length; got {len(inputs)} inputs and {len(layers)} layers")
    f, _ = NONLINEARITIES[nonlinearity]
    checked = [check_rnn_params(layer) for layer in layers]
    hidden = checked[0]["weight_hh"].shape[0]
    h = np.zeros(hidden) if h0 is None else real_array(h0, "h0")
    check_shape(h, "h0", (hidden,), "one hidden state")
    states = []
    for k, (x, layer) in enumerate(zip(inputs, checked)):
        if layer["weight_hh"].shape[0] != hidden:
            raise ValueError(f"layers[{k}] has hidden size {layer['weight_hh'].shape[0]}; every layer must have hidden size {hidden}")
        a = layer["weight_hh"] @ h + layer["bias_hh"] + layer["bias_ih"]
        if x is not None:
            x = real_array(x, f"inputs[{k}]")
            check_shape(x, f"inputs[{k}]", (layer["weight_ih"].shape[1],), f"the input size of layers[{k}]['weight_ih']")
            a = a + layer["weight_ih"] @ x
        h = f(a)
        states.append(h)
    return np.array(states)


def count_parameters(layers: Sequence[dict]) -> int:
    """How many numbers a stack learns: the sizes of its *distinct* arrays.

    An array shared by several layers is counted once, so ``tied_stack(params, L)`` has as
    many parameters as ``params`` for every L, while ``untied_stack`` grows with L.
    Introduced in chapter 2.
    """
    seen: dict[int, int] = {}
    for k, layer in enumerate(layers):
        if not isinstance(layer, dict):
            raise TypeError(f"layers[{k}] must be a parameter dict, got {type(layer).__name__}")
        for value in layer.values():
            seen[id(value)] = np.asarray(value).size
    return int(sum(seen.values()))


# --- The scalar neuron with recurrent weight W2 ---------------------------------------------

def _scalar(value, name: str) -> float:
    array = real_array(value, name)
    if array.ndim != 0:
        raise ValueError(f"{name} must be a single number; got an array of shape {array.shape}")
    return float(array)


def _series(x, name: str = "x") -> np.ndarray:
    x = real_array(x, name)
    check_ndim(x, name, {1: "(T,), one number per step"})
    if x.shape[0] == 0:
        raise ValueError(f"{name} is an empty sequence (T = 0); the neuron needs at least one step")
    return x


def scalar_neuron(x, w_rec, w_in=1.0, nonlinearity: str = "linear", h0=0.0) -> np.ndarray:
    """One recurrent neuron: ``h_t = f(w_in * x_t + w_rec * h_{t-1})``, ``h_0 = h0``.

    It is ``rnn_forward`` with 1x1 weights and zero biases. ``w_rec`` is the feedback weight
    called W2 in chapter 4.

    Parameters
    ----------
    x : array (T,)
    w_rec, w_in, h0 : float
    nonlinearity : {"linear", "tanh", "relu", "sigmoid"}

    Returns the states h_1 ... h_T, shape (T,). Introduced in chapter 2.
    """
    x = _series(x)
    params = {
        "weight_ih": np.array([[_scalar(w_in, "w_in")]]),
        "weight_hh": np.array([[_scalar(w_rec, "w_rec")]]),
        "bias_ih": np.zeros(1),
        "bias_hh": np.zeros(1),
    }
    h, _ = rnn_forward(x[:, None], params, np.array([_scalar(h0, "h0")]), nonlinearity)
    return h[:, 0]


def unrolled_terms(x, w_rec, w_in=1.0) -> np.ndarray:
    """The share of each input in the last state of the *linear* scalar neuron (h_0 = 0).

    Unrolling gives ``h_T = sum_k w_in * w_rec**(T - k) * x_k``; entry k - 1 of the result is
    that k-th term, so the result sums to ``scalar_neuron(x, w_rec, w_in)[-1]``.

    Parameters: x (T,), w_rec and w_in floats. Returns shape (T,). Introduced in chapter 2.
    """
    x = _series(x)
    w_rec, w_in = _scalar(w_rec, "w_rec"), _scalar(w_in, "w_in")
    steps = x.shape[0]
    powers = np.arange(steps - 1, -1, -1)  # T-1 for x_1, ..., 0 for x_T
    return w_in * w_rec ** powers * x


def unrolled_sum_latex(steps: int, weight: str = "W_2", per_line: int | None = None) -> str:
    """LaTeX for the unrolled sum of the linear neuron, e.g. for 3 steps
    ``h_{3} = x_{3} + W_2 x_{2} + W_2^{2} x_{1}``.

    ``per_line`` (optional): break the sum after that many terms, as an ``aligned`` block, so
    that it fits a narrow (phone) screen. Introduced in chapter 2."""
    steps = check_steps(steps)
    terms = []
    for k in range(steps, 0, -1):
        power = steps - k
        factor = "" if power == 0 else (f"{weight} " if power == 1 else f"{weight}^{{{power}}} ")
        terms.append(f"{factor}x_{{{k}}}")
    if per_line is None or check_steps(per_line, "per_line") >= steps:
        return f"h_{{{steps}}} = " + " + ".join(terms)
    lines = [" + ".join(terms[i:i + per_line]) for i in range(0, steps, per_line)]
    return (f"\\begin{{aligned}} h_{{{steps}}} &= " + " \\\\ &\\quad + ".join(lines)
            + " \\end{aligned}")


# --- "What time is it ?": a many-to-one reader --------------------------------------------

INTENTS = ("time", "weather", "greeting")
INTENT_EXAMPLES = (
    # (sentence, intent): a tiny, hand-made set; words are separated by spaces.
    ("What time is it ?", "time"),
    ("What is the time ?", "time"),
    ("Do you know the time ?", "time"),
    ("Tell me the time", "time"),
    ("What is the weather ?", "weather"),
    ("Is it raining ?", "weather"),
    ("Is it cold today ?", "weather"),
    ("Tell me the weather", "weather"),
    ("Hello how are you ?", "greeting"),
    ("Good morning", "greeting"),
    ("Hi there", "greeting"),
    ("Hello there , how is it going ?", "greeting"),
)


def intent_vocabulary(examples=INTENT_EXAMPLES) -> Vocabulary:
    """The words of ``examples`` in order of first appearance. Introduced in chapter 2."""
    words: list[str] = []
    for sentence, _ in examples:
        words.extend(word for word in sentence.split() if word not in words)
    return Vocabulary(words)


def check_readout(readout, hidden: int, name: str = "readout") -> dict[str, np.ndarray]:
    """Validate a linear readout: ``weight`` (classes, hidden) and ``bias`` (classes,)."""
    readout = check_params(readout, READOUT_KEYS, name)
    weight = readout["weight"]
    if weight.ndim != 2 or weight.shape[1] != hidden:
        raise ValueError(f"{name}['weight'] must be 2-D of shape (classes, {hidden}) to read a hidden state of size {hidden}; got {weight.shape}")
    check_shape(readout["bias"], f"{name}['bias']", (weight.shape[0],), f"one bias per row of {name}['weight']")
    return readout


def intent_logits(x, rnn_params, readout):
    """Read a sentence with the recurrent layer and score the classes from the last state.

    Returns ``(logits (classes,), h (T, hidden), cache)``; ``cache`` is ``rnn_forward``'s.
    Introduced in chapter 2.

    Parameters
    ----------
    x : array (T, input), one-hot words
    rnn_params : dict in ``torch.nn.RNN`` layout (tanh)
    readout : dict ``weight`` (classes, hidden), ``bias`` (classes,)
    """
    h, cache = rnn_forward(x, rnn_params)
    readout = check_readout(readout, h.shape[-1])
    if h.ndim != 2:
        raise ValueError(f"x must be one sentence of shape (T, input); got shape {np.shape(x)}")
    return readout["weight"] @ h[-1] + readout["bias"], h, cache


def softmax(logits) -> np.ndarray:
    """Probabilities from scores along the last axis, computed without overflow."""
    logits = real_array(logits, "logits")
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def classifier_loss_and_grads(sentences: Sequence, labels: Sequence[int], rnn_params, readout):
    """Mean cross-entropy of the intent classifier over sentences, and its gradients.

    Returns ``(loss, rnn_grads, readout_grads)`` with the shapes of the parameters.
    The readout's gradient is written by hand (d loss / d logits = p - onehot); the
    recurrent layer's comes from ``rnn_backward``. Introduced in chapter 2.

    Parameters
    ----------
    sentences : list of N arrays (T_n, input), one-hot words (lengths may differ)
    labels : list of N class indices
    rnn_params, readout : as in ``intent_logits``
    """
    if len(sentences) == 0 or len(sentences) != len(labels):
        raise ValueError(f"sentences and labels must be non-empty and of the same length; got {len(sentences)} and {len(labels)}")
    rnn_grads = {key: np.zeros_like(value, dtype=float) for key, value in rnn_params.items()}
    readout_grads = {key: np.zeros_like(value, dtype=float) for key, value in readout.items()}
    total = 0.0
    count = len(sentences)
    for x, label in zip(sentences, labels):
        logits, h, cache = intent_logits(x, rnn_params, readout)
        if isinstance(label, bool) or not isinstance(label, numbers.Integral) or not 0 <= label < logits.shape[0]:
            raise ValueError(f"labels must be class indices from 0 to {logits.shape[0] - 1}; got {label!r}")
        p = softmax(logits)
        total -= np.log(p[label])
        d_logits = p.copy()
        d_logits[label] -= 1.0
        d_logits /= count
        readout_grads["weight"] += np.outer(d_logits, h[-1])
        readout_grads["bias"] += d_logits
        dh = np.zeros_like(h)
        dh[-1] = np.asarray(readout["weight"], dtype=float).T @ d_logits
        for key, value in rnn_backward(dh, cache).items():
            if key in rnn_grads:
                rnn_grads[key] += value
    return total / count, rnn_grads, readout_grads


def train_intent_classifier(examples=INTENT_EXAMPLES, hidden: int = 4, steps: int = 60,
                            learning_rate: float = 0.02, seed: int = 0):
    """Fit the recurrent layer and readout to ``examples`` with full-batch Adam.

    ``hidden``, ``steps``, ``learning_rate`` and ``seed`` are hyperparameters: chosen by us,
    never changed by training. The weights are parameters: gradient descent sets them.

    Returns a dict with ``vocab`` (``Vocabulary``), ``intents`` (tuple of class names),
    ``initial`` and ``rnn_params`` (the recurrent layer before and after training),
    ``initial_readout`` and ``readout`` (the read-out before and after: ``weight`` (classes,
    hidden), ``bias`` (classes,)) and ``losses`` (steps,).
    Introduced in chapter 2; chapter 3 explains training step by step.
    """
    hidden = check_steps(hidden, "hidden")
    steps = check_steps(steps, "steps")
    learning_rate = _scalar(learning_rate, "learning_rate")
    if learning_rate <= 0:
        raise ValueError(f"learning_rate must be positive; got {learning_rate}")
    vocab = intent_vocabulary(examples)
    intents = tuple(dict.fromkeys(intent for _, intent in examples))
    sentences = [vocab.one_hot(sentence.split()) for sentence, _ in examples]
    labels = [intents.index(intent) for _, intent in examples]
    rng = np.random.default_rng(seed)
    rnn_params = random_layer(rng, len(vocab), hidden, scale=0.3)
    readout = {"weight": rng.normal(0.0, 0.3, (len(intents), hidden)), "bias": np.zeros(len(intents))}
    initial = {key: value.copy() for key, value in rnn_params.items()}
    initial_readout = {key: value.copy() for key, value in readout.items()}
    # Adam (Kingma and Ba) with its usual constants.
    state = {("r", k): v for k, v in rnn_params.items()} | {("o", k): v for k, v in readout.items()}
    first = {key: np.zeros_like(value) for key, value in state.items()}
    second = {key: np.zeros_like(value) for key, value in state.items()}
    losses = np.empty(steps)
    for step in range(1, steps + 1):
        loss, rnn_grads, readout_grads = classifier_loss_and_grads(sentences, labels, rnn_params, readout)
        losses[step - 1] = loss
        grads = {("r", k): v for k, v in rnn_grads.items()} | {("o", k): v for k, v in readout_grads.items()}
        for key, value in state.items():
            first[key] = 0.9 * first[key] + 0.1 * grads[key]
            second[key] = 0.999 * second[key] + 0.001 * grads[key] ** 2
            corrected = first[key] / (1 - 0.9**step)
            value -= learning_rate * corrected / (np.sqrt(second[key] / (1 - 0.999**step)) + 1e-8)
    return {"vocab": vocab, "intents": intents, "initial": initial, "rnn_params": rnn_params,
            "initial_readout": initial_readout, "readout": readout, "losses": losses}


def removal_effect(x, params, nonlinearity: str = "tanh", h0=None) -> np.ndarray:
    """How far the final state moves when one input is removed: the "fading colours", computed.

    Entry k is ``||h_T - h_T'||`` where ``h_T'`` is the final state of the same layer reading
    ``x`` with row k replaced by zeros (for one-hot words: that word left out, the others kept
    in their places). A word whose removal hardly moves ``h_T`` is hardly visible in it.

    Parameters: x (T, input), params as for ``rnn_forward``. Returns shape (T,).
    Introduced in chapter 2.
    """
    h, _ = rnn_forward(x, params, h0, nonlinearity)
    if h.ndim != 2:
        raise ValueError(f"x must be one sequence of shape (T, input); got shape {np.shape(x)}")
    x = np.asarray(x, dtype=float)
    effects = np.empty(x.shape[0])
    for k in range(x.shape[0]):
        without = x.copy()
        without[k] = 0.0
        effects[k] = np.linalg.norm(h[-1] - rnn_forward(without, params, h0, nonlinearity)[0][-1])
    return effects


__all__ = [
    "check_steps", "random_layer", "untied_stack", "tied_stack", "stack_forward", "count_parameters",
    "scalar_neuron", "unrolled_terms", "unrolled_sum_latex",
    "INTENTS", "INTENT_EXAMPLES", "intent_vocabulary", "check_readout", "intent_logits", "softmax",
    "classifier_loss_and_grads", "train_intent_classifier", "removal_effect",
]
