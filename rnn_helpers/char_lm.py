"""A character language model in PyTorch: truncated BPTT, sampling with a temperature, checkpoints.

Introduced in chapter 6. ``CharLM`` reads one-hot characters, as chapter 3's RNN does, through
``torch.nn.LSTM`` or ``torch.nn.RNN`` (tanh) and a ``torch.nn.Linear`` read-out. It trains on one
long stream of text with *truncated backpropagation through time*: the stream is cut into B
parallel streams, each read in chunks of L characters; the state is carried from one chunk to the
next, but detached, so that the gradient of a chunk stops at its first step. Generation feeds the
model its own samples ("free running"), drawn with ``sample_with_temperature``.
torch is imported inside the functions that need it, so ``rnn_helpers`` imports without it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .corpus import DATA
from .vocab import Vocabulary

CHECKPOINT = DATA / "char_lm.pt"


def sample_with_temperature(logits, temperature: float, rng: np.random.Generator) -> int:
    """Draw one index from softmax(logits / temperature).

    ``logits`` (V,) real scores; ``temperature`` > 0: 1 gives the model's own distribution,
    below 1 sharpens it (towards the most likely index, which it always returns as the
    temperature goes to 0), above 1 flattens it (towards uniform). ``rng`` a
    ``numpy.random.Generator``. Introduced in chapter 6.
    """
    temperature = check_temperature(temperature)
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim != 1 or logits.size == 0 or not np.isfinite(logits).all():
        raise ValueError(f"logits must be a non-empty 1-D array of finite numbers; got shape {logits.shape}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    z = (logits - logits.max()) / temperature
    weights = np.exp(z)  # proportional to the probabilities; the draw is scaled to their sum
    draw = rng.random() * weights.sum()
    return int(min(np.searchsorted(np.cumsum(weights), draw, side="right"), weights.size - 1))


def softmax_with_temperature(logits, temperature: float) -> np.ndarray:
    """softmax(logits / temperature) along the last axis, as float64."""
    temperature = check_temperature(temperature)
    z = np.asarray(logits, dtype=np.float64)
    z = (z - z.max(axis=-1, keepdims=True)) / temperature
    p = np.exp(z)
    return p / p.sum(axis=-1, keepdims=True)


def check_temperature(temperature) -> float:
    """Return ``temperature`` as a float, or raise ``ValueError`` unless it is a finite number > 0."""
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.number)):
        raise TypeError(f"temperature must be a number > 0, got {type(temperature).__name__}")
    if not math.isfinite(float(temperature)) or float(temperature) <= 0:
        raise ValueError(f"temperature must be a finite number > 0 (1 = the model's own probabilities); "
                         f"got {temperature!r}")
    return float(temperature)


def check_prompt(prompt, vocab: Vocabulary) -> np.ndarray:
    """Indices of ``prompt``; refuses an empty prompt and names a character the model does not know."""
    if not isinstance(prompt, str):
        raise TypeError(f"prompt must be a str, got {type(prompt).__name__}")
    if not prompt:
        raise ValueError("prompt must hold at least one character for the model to read; got ''")
    unknown = sorted({c for c in prompt if c not in vocab._index})
    if unknown:
        raise ValueError(f"prompt holds {len(unknown)} character(s) the model never saw: {unknown}; "
                         "use characters of its vocabulary")
    return vocab.encode(prompt)


def _module_class():
    import torch

    class CharLM(torch.nn.Module):
        """One-hot characters -> ``nn.LSTM`` or ``nn.RNN`` -> ``nn.Linear``: logits of the next character."""

        def __init__(self, vocab_size: int, hidden_size: int, kind: str = "lstm"):
            super().__init__()
            layer = {"lstm": torch.nn.LSTM, "rnn": torch.nn.RNN}[kind]
            self.kind, self.vocab_size = kind, vocab_size
            self.recurrent = layer(vocab_size, hidden_size)
            self.out = torch.nn.Linear(hidden_size, vocab_size)

        def forward(self, codes, state=None):
            """``codes`` (T, B) int64 -> logits (T, B, V), hidden states (T, B, H), final state."""
            x = torch.nn.functional.one_hot(codes, self.vocab_size).float()
            h, state = self.recurrent(x, state)
            return self.out(h), h, state

    return CharLM


def make_char_lm(vocab_size: int, hidden_size: int, kind: str = "lstm", seed: int = 0):
    """A ``CharLM`` with weights drawn by PyTorch after ``torch.manual_seed(seed)``.

    ``kind`` "lstm" or "rnn" (chapter 3's tanh RNN). Introduced in chapter 6.
    """
    import torch

    if kind not in ("lstm", "rnn"):
        raise ValueError(f"kind must be 'lstm' or 'rnn'; got {kind!r}")
    torch.manual_seed(seed)
    return _module_class()(vocab_size, hidden_size, kind)


def count_parameters(model) -> int:
    """Number of trained numbers in ``model``."""
    return sum(p.numel() for p in model.parameters())


def rnn_size_matching(lstm_hidden: int, vocab_size: int) -> int:
    """Units of a tanh RNN with (about) as many parameters as an LSTM with ``lstm_hidden`` units."""
    target = 4 * lstm_hidden * (vocab_size + lstm_hidden + 2) + vocab_size * (lstm_hidden + 1)
    # RNN: H (V + H + 2) + V (H + 1) = H^2 + (2V + 2) H + V
    b = 2 * vocab_size + 2
    return round((-b + math.sqrt(b * b + 4 * (target - vocab_size))) / 2)


def stream_batches(codes, batch: int):
    """Cut the stream ``codes`` (N,) into ``batch`` equal parallel streams: tensor (N // batch, batch).

    Column b holds the b-th piece of the text, in order, so reading the rows one chunk after
    the other continues every piece where the last chunk stopped. Introduced in chapter 6.
    """
    import torch

    codes = np.asarray(codes)
    if not isinstance(batch, int) or batch < 1:
        raise ValueError(f"batch must be a positive integer; got {batch!r}")
    length = codes.size // batch
    if length < 2:
        raise ValueError(f"codes has {codes.size} characters: too few for {batch} streams of at least 2")
    return torch.as_tensor(codes[:length * batch].reshape(batch, length).T.copy(), dtype=torch.int64)


def detach_state(state):
    """The same state cut off from the graph that computed it (a tensor or a tuple of them).

    Carried into the next chunk, it gives the next chunk the *values* of the past but no path
    for the gradient back into the previous chunk: that is what makes BPTT truncated.
    """
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


def train_tbptt(model, codes, steps: int, chunk: int = 64, batch: int = 32, lr: float = 3e-3,
                clip: float = 1.0, carry_state: bool = True, log_every: int = 0,
                out: Callable[[str], None] = print, device=None, cosine: bool = False) -> list[float]:
    """Train ``model`` on the stream ``codes`` with truncated BPTT; return the loss of every update
    in bits per character.

    Each update reads the next chunk of ``chunk`` characters from each of ``batch`` parallel
    streams (``stream_batches``), predicts every next character (teacher forcing: the input is
    always the true text), and backpropagates through that chunk only. With ``carry_state``
    the final state of a chunk, detached, starts the next one; the state starts from zero
    again when the streams wrap around. Adam with learning rate ``lr``, gradient norm clipped
    to ``clip``; ``cosine`` lowers the learning rate to 0 along a half cosine over the
    ``steps`` (``torch.optim.lr_scheduler.CosineAnnealingLR``). Introduced in chapter 6.
    """
    import torch

    if not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be a non-negative integer; got {steps!r}")
    if not isinstance(chunk, int) or chunk < 1:
        raise ValueError(f"chunk must be a positive integer; got {chunk!r}")
    device = device or torch.device("cpu")
    data = stream_batches(codes, batch).to(device)
    if chunk + 1 > data.shape[0]:
        raise ValueError(f"chunk {chunk} needs {chunk + 1} characters in each stream, but {np.size(codes)} characters "
                         f"cut into {batch} streams give {data.shape[0]} each; use chunk <= {data.shape[0] - 1} "
                         "or a smaller batch")
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, max(steps, 1)) if cosine else None
    losses, state, start = [], None, 0
    model.train()
    for step in range(1, steps + 1):
        if start + chunk + 1 > data.shape[0]:
            start, state = 0, None  # wrapped around: a new pass starts from a zero state
        x, y = data[start:start + chunk], data[start + 1:start + chunk + 1]
        start += chunk
        logits, _, state = model(x, detach_state(state) if carry_state else None)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        if schedule is not None:
            schedule.step()
        losses.append(loss.item() / math.log(2))
        if log_every and (step % log_every == 0 or step == 1 or step == steps):
            out(f"update {step:4d} | training loss {losses[-1]:.2f} bits per character")
    model.eval()
    return losses


def validation_bits(model, codes, streams: int = 8, chunk: int = 500) -> float:
    """Bits per character of ``model`` on the text ``codes``, read as ``streams`` parallel
    streams with the state carried along (no gradient). Introduced in chapter 6."""
    import torch

    data = stream_batches(codes, streams)
    total, count, state = 0.0, 0, None
    with torch.no_grad():
        for start in range(0, data.shape[0] - 1, chunk):
            x, y = data[start:start + chunk], data[start + 1:start + chunk + 1]
            x = x[:y.shape[0]]
            logits, _, state = model(x, state)
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1),
                                                     reduction="sum", )
            total, count = total + float(loss.double()), count + y.numel()
    return total / count / math.log(2)


def _numpy_recurrence(model, vocab: Vocabulary, text: str):
    """The model's recurrent layer run over ``text`` (one-hot characters) by the book's numpy
    ``lstm_forward`` or ``rnn_forward``, with the model's weights in float64: ``(h, cache)``,
    h (len(text), H); cache is lstm_forward's (gates and cell states), None for an RNN."""
    from .numpy_lstm import lstm_forward
    from .numpy_rnn import rnn_forward
    from .torch_bridge import params_from_torch

    codes = check_prompt(text, vocab)
    x = np.eye(len(vocab))[codes]  # (T, V) one-hot
    params = params_from_torch(model.recurrent)
    if model.kind == "lstm":
        h, _, cache = lstm_forward(x, params)
        return h, cache
    h, _ = rnn_forward(x, params)
    return h, None


def read(model, vocab: Vocabulary, text: str):
    """Run ``model`` over ``text`` with teacher forcing (it reads the true text), in numpy.

    The recurrent layer is run by the book's own ``lstm_forward`` (chapter 5) or
    ``rnn_forward`` (chapter 1) with the model's weights (``params_from_torch``), in float64.
    Returns ``(probs, h, c)``: p(next character) after every character (len(text), V), the
    hidden states h_t (len(text), H) and, for an LSTM, the cell states c_t (len(text), H)
    (None for an RNN). Introduced in chapter 6.
    """
    h, cache = _numpy_recurrence(model, vocab, text)
    c = None if cache is None else cache["c"]
    weight = model.out.weight.detach().double().numpy()
    bias = model.out.bias.detach().double().numpy()
    probs = softmax_with_temperature(h @ weight.T + bias, 1.0)
    return probs, h, c


def forget_gate_means(model, vocab: Vocabulary, text: str) -> np.ndarray:
    """Each unit's mean forget gate f_t while an LSTM ``model`` reads ``text``, shape (H,).

    The model reads the true text (teacher forcing) from a zero state; the gates are those of the
    book's numpy ``lstm_forward`` (chapter 5) with the model's weights. A unit whose mean is near
    1 carries its cell state over many characters; at PyTorch's default initialisation the
    forget gates start near 0.5. Introduced in chapter 6.
    """
    if getattr(model, "kind", None) != "lstm":
        raise ValueError("model must be an LSTM language model (make_char_lm(..., kind='lstm')); "
                         f"got {getattr(model, 'kind', type(model).__name__)!r}")
    _, cache = _numpy_recurrence(model, vocab, text)
    return cache["gates"][:, 1, :].mean(axis=0)  # gate order i, f, g, o


def hidden_states(model, vocab: Vocabulary, text: str) -> np.ndarray:
    """The hidden state h_t after every character of ``text``, (len(text), H), by the torch
    module (fast on long texts; ``read`` gives the same in numpy). Introduced in chapter 6."""
    import torch

    codes = torch.as_tensor(check_prompt(text, vocab), dtype=torch.int64)[:, None]
    with torch.no_grad():
        _, h, _ = model(codes)
    return h[:, 0].double().numpy()


def generate(model, vocab: Vocabulary, prompt: str, length: int, temperature=1.0, seed: int = 0):
    """Free-running generation: read ``prompt``, then feed the model its own samples.

    Returns the ``length`` characters written after the prompt. Each is drawn with
    ``sample_with_temperature`` from ``numpy.random.default_rng(seed)``, so the same seed
    gives the same text. ``temperature`` may be a list: then one text per temperature is
    returned, written side by side as a batch (each with its own generator seeded ``seed``).
    Introduced in chapter 6.
    """
    import torch

    several = isinstance(temperature, (list, tuple))
    temperatures = [check_temperature(t) for t in (temperature if several else [temperature])]
    if not temperatures:
        raise ValueError("temperature must be a number > 0 or a non-empty list of them")
    codes = check_prompt(prompt, vocab)
    if not isinstance(length, (int, np.integer)) or length < 0:
        raise ValueError(f"length must be a non-negative integer; got {length!r}")
    rngs = [np.random.default_rng(seed) for _ in temperatures]
    batch = len(temperatures)
    written = [[] for _ in temperatures]
    with torch.no_grad():
        x = torch.as_tensor(codes, dtype=torch.int64)[:, None].repeat(1, batch)
        logits, _, state = model(x)
        for _ in range(length):
            last = logits[-1].double().numpy()
            picks = [sample_with_temperature(last[b], temperatures[b], rngs[b]) for b in range(batch)]
            for b, index in enumerate(picks):
                written[b].append(vocab.tokens[index])
            logits, _, state = model(torch.tensor([picks]), state)
    texts = ["".join(w) for w in written]
    return texts if several else texts[0]


def save_checkpoint(path, models: dict, vocab: Vocabulary, meta: dict) -> None:
    """Save ``models`` (name -> CharLM) as float16 weights with ``meta`` and the vocabulary."""
    import torch

    entries = {}
    for name, model in models.items():
        weights = {k: v.detach().cpu().half() for k, v in model.state_dict().items()}
        entries[name] = {"kind": model.kind, "hidden": model.recurrent.hidden_size, "weights": weights}
    torch.save({"models": entries, "vocab": "".join(vocab.tokens), "meta": meta}, path)


def load_checkpoint(path=None):
    """``(models, vocab, meta)`` from a file written by ``save_checkpoint`` (default: the book's).

    The float16 weights are loaded into float32 models, exactly the numbers the recorded
    validation figures were measured with. Introduced in chapter 6.
    """
    import torch

    path = Path(path) if path is not None else CHECKPOINT
    if not path.exists():
        raise FileNotFoundError(f"path: no checkpoint at {str(path)!r}; scripts/train_char_lm.py writes one")
    saved = torch.load(path, map_location="cpu", weights_only=True)
    vocab = Vocabulary(list(saved["vocab"]))
    models = {}
    for name, entry in saved["models"].items():
        model = make_char_lm(len(vocab), entry["hidden"], entry["kind"])
        model.load_state_dict({k: v.float() for k, v in entry["weights"].items()})
        model.eval()
        models[name] = model
    return models, vocab, saved["meta"]


def round_to_half(model) -> None:
    """Round ``model``'s weights to float16 and back, in place: what a checkpoint keeps."""
    import torch

    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float())


def pick_device(name: str = "auto"):
    """``torch.device`` for "auto" (CUDA, else MPS, else CPU), or the one named."""
    import torch

    if name != "auto":
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():  # every torch build has the module; False off Apple
        return torch.device("mps")
    return torch.device("cpu")


__all__ = ["CHECKPOINT", "sample_with_temperature", "softmax_with_temperature", "check_temperature", "check_prompt",
           "make_char_lm", "count_parameters", "rnn_size_matching", "stream_batches", "detach_state",
           "train_tbptt", "validation_bits", "read", "forget_gate_means", "hidden_states", "generate", "save_checkpoint", "load_checkpoint",
           "round_to_half", "pick_device"]
