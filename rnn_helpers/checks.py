"""Exercises a reader can check: write the function yourself, then run one line::

    from rnn_helpers.checks import check
    check("rnn_step", my_rnn_step)

``check`` calls the reader's function on several cases (one example and a batch, several
sizes, random weights from a fixed seed, in the PyTorch layout the book uses), compares
each result with the book's reference, prints a short plain-text verdict and returns
True or False. When a result is wrong it says what came and what was expected (the
shape, the first element that differs, the size of the error) and, when the result
equals what a *known mistake* gives (``weight_hh`` transposed, a bias left out, the
LSTM gates read in another order, ...), it names that mistake. It never prints the
solution.

The exercises, their chapters and signatures (``f`` is the reader's function):

=========================== ======= ==================================================
name                        chapter signature
=========================== ======= ==================================================
``rnn_step``                2       ``f(x_t, h_prev, params) -> h_t``
``softmax_cross_entropy``   3       ``f(logits, targets) -> (loss, dlogits)``
``bptt``                    3       ``f(x, w_x, w_h) -> (y, dy_dw_h)``
``bptt_w_x``                3       ``f(x, w_x, w_h) -> (y, dy_dw_x)``
``clip_grad_norm``          4       ``f(grads, max_norm) -> dict``
``lstm_step``               5       ``f(x_t, (h_prev, c_prev), params) -> (h_t, c_t)``
``sample_with_temperature`` 6       ``f(logits, temperature, rng) -> index``
=========================== ======= ==================================================

Shapes and conventions are those of the book's helpers:

- ``rnn_step``: ``x_t`` is (input,) or (batch, input), ``h_prev`` (hidden,) or
  (batch, hidden); ``params`` is the dict of ``numpy_rnn.rnn_forward``: ``weight_ih``
  (hidden, input), ``weight_hh`` (hidden, hidden), ``bias_ih`` and ``bias_hh`` (hidden,);
  h_t = tanh(weight_ih x_t + bias_ih + weight_hh h_prev + bias_hh).
- ``softmax_cross_entropy``: as ``losses.softmax_cross_entropy``: ``logits`` (N, V),
  ``targets`` (N,) integer indices; ``loss`` is the mean over the N rows, ``dlogits``
  (N, V) its gradient. Cases with N = 1 and with N > 1.
- ``bptt``: ``x`` holds two numbers x_1, x_2; h_1 = tanh(w_x x_1),
  h_2 = tanh(w_x x_2 + w_h h_1), y = h_2; return y and dy/dw_h. ``bptt_w_x`` is the same
  chain with dy/dw_x, the derivative that has a second path, through h_1.
- ``clip_grad_norm``: ``grads`` maps names to arrays; when the norm of all of them
  together exceeds ``max_norm``, all are scaled by the same factor so that it becomes
  ``max_norm`` (as ``torch.nn.utils.clip_grad_norm_``); a new dict is returned and the
  arrays passed in are left unchanged.
- ``lstm_step``: parameters as in ``numpy_lstm.lstm_forward``: ``weight_ih``
  (4*hidden, input), ``weight_hh`` (4*hidden, hidden), biases (4*hidden,), the gates
  stacked in PyTorch's order i, f, g, o; states (hidden,) or (batch, hidden).
- ``sample_with_temperature``: ``logits`` (V,), ``temperature`` > 0, ``rng`` a
  ``numpy.random.Generator``; returns one index drawn with probabilities
  softmax(logits / temperature). Checked by the shares of many draws.

Introduced in chapter 2; used by the exercises of chapters 2 to 6.
"""

from __future__ import annotations

import ctypes
import itertools
import math
import numbers
import os
import re
import signal
import textwrap
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from .activations import sigmoid
from .formatting import number_text, superscript

WIDTH = 76  # no printed line is longer: an output box inside a solution dropdown holds 76
# characters on the website at 1366 px (the page's own output box holds 84)
TIME_LIMIT = 10.0  # seconds a reader's function may take on one case
RTOL = 1e-6  # results agree when |got - expected| <= ATOL + RTOL * |expected|
ATOL = 1e-9


# --------------------------------------------------------------------------------------
# Running the reader's function: errors and a time limit
# --------------------------------------------------------------------------------------


class _TimeLimitExceeded(BaseException):
    """Raised inside the reader's function when its time is up.

    A BaseException, so that a reader's ``except Exception:`` cannot swallow it.
    """


@dataclass
class _Outcome:
    value: object = None
    error: BaseException | None = None
    timed_out: bool = False
    still_running: bool = False


def _call_limited(call: Callable[[], object], seconds: float) -> _Outcome:
    """Run ``call()`` and stop it after ``seconds``.

    How it is stopped (the choice matters because readers run this in Jupyter, Colab
    and scripts):

    - A thread with a timeout cannot stop an endless loop: Python has no way to kill a
      thread, so the loop would keep a core busy until the kernel restarts.
    - A subprocess could be killed, but it must receive the reader's function, and a
      function defined in a notebook cell (with the cell's globals and closures) cannot
      be pickled into a fresh process; forking is unavailable on Windows, not the
      default on macOS, and unsafe in a Jupyter kernel that runs threads.
    - So, where possible, a timer signal (``SIGALRM`` via ``setitimer``) interrupts the
      main thread and its handler raises an exception inside the reader's loop. Jupyter
      and Colab (ipykernel) run each cell on the kernel's main thread, as does a script,
      so this is the usual path. The previous handler and timer are restored afterwards.
    - Where signals cannot be used (Windows has no SIGALRM; ``check`` called from another
      thread), the call runs in a worker thread, and when the time is up the exception is
      raised inside that thread with ``PyThreadState_SetAsyncExc``; this stops a Python
      loop at its next bytecode (not a single long call into C, which is reported).
    """
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        return _call_with_alarm(call, seconds)
    return _call_in_thread(call, seconds)


def _call_with_alarm(call: Callable[[], object], seconds: float) -> _Outcome:
    state = {"inside": False}

    def on_alarm(signum, frame):
        if state["inside"]:
            raise _TimeLimitExceeded

    previous_handler = signal.signal(signal.SIGALRM, on_alarm)
    # The timer repeats every 0.1 s after the first alarm, in case the reader's code
    # catches the first exception with a bare ``except:`` and carries on.
    previous_timer = signal.setitimer(signal.ITIMER_REAL, seconds, 0.1)
    start = time.monotonic()
    try:
        try:
            state["inside"] = True
            return _Outcome(value=call())
        finally:
            state["inside"] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _TimeLimitExceeded:
        return _Outcome(timed_out=True)
    except Exception as error:  # noqa: BLE001 - any error of the reader's code is reported
        return _Outcome(error=error)
    finally:
        signal.signal(signal.SIGALRM, previous_handler if previous_handler is not None else signal.SIG_DFL)
        if previous_timer[0] > 0:  # someone else's timer was running: let it continue
            remaining = max(previous_timer[0] - (time.monotonic() - start), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, remaining, previous_timer[1])


def _call_in_thread(call: Callable[[], object], seconds: float) -> _Outcome:
    box: dict[str, object] = {}

    def target():
        try:
            box["value"] = call()
        except _TimeLimitExceeded:
            pass  # stopped by the timeout below, which reports it
        except Exception as error:  # noqa: BLE001
            box["error"] = error

    worker = threading.Thread(target=target, name="rnn_helpers.checks", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        try:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(worker.ident), ctypes.py_object(_TimeLimitExceeded)
            )
        except AttributeError:  # not CPython
            pass
        worker.join(1.0)
        return _Outcome(timed_out=True, still_running=worker.is_alive())
    if "error" in box:
        return _Outcome(error=box["error"])
    return _Outcome(value=box.get("value"))


def _reader_frame(error: BaseException) -> str:
    """'in my_step, line 3: return ...' for the innermost frame of the reader's code."""
    skip = (os.path.dirname(os.path.abspath(np.__file__)), os.path.abspath(__file__))
    library = os.path.dirname(os.__file__)
    found = None
    for frame in traceback.extract_tb(error.__traceback__):
        name = frame.filename
        if name.startswith("<"):  # code typed at a prompt or in an older IPython cell
            found = frame
            continue
        path = os.path.abspath(name)
        # Library frames are skipped: numpy, Cython (.pyx), the standard library, this file.
        if not name.endswith(".py") or path.startswith(skip) or path.startswith(library) or (
            "site-packages" in path or "dist-packages" in path
        ):
            continue
        found = frame
    if found is None:
        return ""
    line = (found.line or "").strip()
    return f"in {found.name}, line {found.lineno}" + (f": {line}" if line else "")


# --------------------------------------------------------------------------------------
# Writing numbers, shapes and arguments for the reader
# --------------------------------------------------------------------------------------


def _value_text(value: float) -> str:
    """A number with its sign and six significant digits, without e-notation."""
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    size = abs(value)
    if 1e-4 <= size < 1e6:
        return sign + np.format_float_positional(size, precision=6, unique=False, fractional=False, trim="-")
    exponent = math.floor(math.log10(size))
    mantissa = size / 10.0**exponent
    if round(mantissa, 3) >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{sign}{mantissa:.3f} × 10{superscript(exponent)}"


def _index_text(index: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(int(i)) for i in index) + "]" if index else ""


def _describe(value) -> str:
    """How an argument looks: arrays by shape, numbers by value."""
    if isinstance(value, np.ndarray):
        return f"array {value.shape}"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key} {np.shape(item)}" for key, item in value.items()) + "}"
    if isinstance(value, tuple):
        return "(" + ", ".join(_describe(item) for item in value) + ")"
    if isinstance(value, list):
        return "[" + ", ".join(_value_text(item) for item in value) + "]"
    if isinstance(value, np.random.Generator):
        return "a numpy Generator"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return _value_text(value)


_SHAPE = re.compile(r"\((?:-?\d+, )+-?\d*\)|\[(?:-?\d+, )+-?\d+\]")
_KEEP = "\x00"  # stands for a space that must not break a line (inside a shape or index)


def _wrap(text: str, indent: str = "", first: str | None = None) -> list[str]:
    """Lines of at most WIDTH characters; shapes such as (4, 3) are never split."""
    text = _SHAPE.sub(lambda m: m.group(0).replace(" ", _KEEP), text)
    lines = textwrap.wrap(
        text,
        WIDTH,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_on_hyphens=False,
        break_long_words=False,
    )
    return [line.replace(_KEEP, " ") for line in lines]


def _type_name(value) -> str:
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} values"
    module = type(value).__module__.split(".")[0]
    name = f"{'' if module == 'builtins' else module + '.'}{type(value).__name__}"
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def _sentence(text: str) -> str:
    """``text`` ended by a full stop, unless it already ends with one or a question mark."""
    return text if text.endswith((".", "?")) else text + "."


# --------------------------------------------------------------------------------------
# Exercises, cases and known mistakes
# --------------------------------------------------------------------------------------


@dataclass
class _Part:
    """One returned value: its name and what it should be."""

    name: str
    kind: str  # "array", "scalar" or "dict"
    what: str  # e.g. "the new state, shape (batch, hidden)"


@dataclass
class _Case:
    label: str
    args: tuple
    note: str = ""  # printed under a failure of this case


@dataclass
class _Mistake:
    """A known mistake: what it gives for a case, or a test on the reader's result."""

    hint: str
    # (*args) -> the mistaken result, same parts as the reference; None where it cannot be made
    compute: Callable | None = None
    matches: Callable | None = None  # (part name, got, expected, case) -> bool


@dataclass
class _Exercise:
    name: str
    chapter: int
    signature: str
    arg_names: tuple[str, ...]
    parts: tuple[_Part, ...]
    reference: Callable
    make_cases: Callable[[], list[_Case]]
    covers: str
    # The known mistakes are built anew on each use, not once at import: then a test (and a
    # mutation-testing run, which forks from a process that has imported this module) sees the
    # mistakes of the code as it is at that moment.
    make_mistakes: Callable[[], list[_Mistake]] = list
    runner: Callable | None = None  # a custom check (sampling)
    show_values: bool = False  # print the arguments' values, not only their shapes

    @property
    def mistakes(self) -> list[_Mistake]:
        return self.make_mistakes()


def _copy(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, Mapping):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return tuple(_copy(item) for item in value)
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _first_change(before, after, path: str) -> str | None:
    """How ``after`` (the copy the reader's function was given) differs from ``before``.

    A clause such as "changed its argument x[0] in place", or None when nothing changed.
    Arrays and numbers are compared by value (NaN equal to NaN), dicts key by key, lists
    and tuples item by item; anything else (an object no exercise copies) by identity.
    """
    if isinstance(before, np.ndarray):
        same = isinstance(after, np.ndarray) and before.shape == after.shape and np.array_equal(
            before, after, equal_nan=True)
    elif isinstance(before, Mapping):
        for key in before:
            if key not in after:
                return f"removed the key {key!r} from its argument {path}"
            found = _first_change(before[key], after[key], f"{path}[{key!r}]")
            if found:
                return found
        for key in after:
            if key not in before:
                return f"added the key {key!r} to its argument {path}"
        return None
    elif isinstance(before, (tuple, list)):
        if len(before) != len(after):
            return f"changed its argument {path} in place"
        for k, (x, y) in enumerate(zip(before, after)):
            found = _first_change(x, y, f"{path}[{k}]")
            if found:
                return found
        return None
    elif isinstance(before, numbers.Number):
        same = isinstance(after, numbers.Number) and (before == after or (before != before and after != after))
    else:
        same = before is after
    return None if same else f"changed its argument {path} in place"


def _changed_argument(names, before, after) -> str | None:
    """The first argument the reader's function changed in place, as a clause, or None."""
    for name, a, b in zip(names, before, after):
        found = _first_change(a, b, name)
        if found:
            return found
    return None


def _as_number_array(value, part: _Part) -> tuple[np.ndarray | None, str]:
    """The reader's value as a float array, or None and what is wrong with it."""
    if type(value).__module__.startswith("torch"):
        return None, (
            f"{part.name} is a torch {type(value).__name__}; the book's exercises use numpy "
            "arrays (a tensor becomes one with .detach().numpy())"
        )
    if value is None:
        return None, f"{part.name} is None; expected {part.what}. Is a return statement missing?"
    if isinstance(value, (str, bytes, Mapping)) or callable(value):
        return None, f"{part.name} is {_type_name(value)}; expected {part.what}"
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None, f"{part.name} is {_type_name(value)}, not numbers; expected {part.what}"
    return array, ""


def _split_parts(exercise: _Exercise, value) -> tuple[list | None, str]:
    if len(exercise.parts) == 1:
        return [value], ""
    names = ", ".join(part.name for part in exercise.parts)
    if not isinstance(value, (tuple, list)) or len(value) != len(exercise.parts):
        return None, (
            f"your function returned {_type_name(value)}; expected a pair ({names})"
            + (". Is a return statement missing?" if value is None else "")
        )
    return list(value), ""


def _flatten_dict(value: Mapping, expected: Mapping, part: _Part) -> tuple[np.ndarray | None, str]:
    """Dict results are compared as one vector, keys in the expected order."""
    if not isinstance(value, Mapping):
        return None, f"{part.name} is {_type_name(value)}; expected {part.what}"
    missing = [key for key in expected if key not in value]
    extra = [key for key in value if key not in expected]
    if missing or extra:
        text = f"{part.name} should have the keys {list(expected)}"
        if missing:
            text += f"; missing {missing}"
        if extra:
            text += f"; unexpected {extra}"
        return None, text
    pieces = []
    for key in expected:
        array, problem = _as_number_array(value[key], _Part(f"{part.name}['{key}']", "array", "an array"))
        if array is None:
            return None, problem
        if array.shape != np.shape(expected[key]):
            return None, (
                f"{part.name}['{key}'] has shape {array.shape}; expected {np.shape(expected[key])}, "
                "the shape of the gradient passed in"
            )
        pieces.append(array.ravel())
    return np.concatenate(pieces), ""


def _dict_index_text(expected: Mapping, flat_index: int, name: str) -> str:
    for key, item in expected.items():
        size = int(np.size(item))
        if flat_index < size:
            return f"{name}['{key}']{_index_text(np.unravel_index(flat_index, np.shape(item)))}"
        flat_index -= size
    return name


def _prepare(part: _Part, got, expected) -> tuple[np.ndarray | None, np.ndarray, str]:
    """(got as array or None, expected as array, problem text)."""
    if part.kind == "dict":
        flat_expected = np.concatenate([np.ravel(item) for item in expected.values()])
        got_array, problem = _flatten_dict(got, expected, part)
        return got_array, flat_expected, problem
    expected = np.asarray(expected, dtype=np.float64)
    got_array, problem = _as_number_array(got, part)
    if got_array is None:
        return None, expected, problem
    if got_array.shape != expected.shape:
        text = f"{part.name} has shape {got_array.shape}; expected {expected.shape}, {part.what}"
        if got_array.size == expected.size:
            if got_array.ndim == 2 and got_array.shape == expected.shape[::-1] and _close(got_array.T, expected):
                text += (". It holds the right numbers, transposed: in a batch, each row is "
                         "one example")
            elif _close(got_array.reshape(expected.shape), expected):
                text += ". It holds the right numbers in another shape"
        return None, expected, text
    return got_array, expected, ""


def _close(got: np.ndarray, expected: np.ndarray) -> bool:
    return got.shape == expected.shape and bool(np.allclose(got, expected, rtol=RTOL, atol=ATOL, equal_nan=True))


def _difference_text(part: _Part, got: np.ndarray, expected: np.ndarray, expected_raw) -> list[str]:
    bad = ~np.isclose(got, expected, rtol=RTOL, atol=ATOL, equal_nan=True)
    first = tuple(int(i) for i in np.argwhere(bad)[0]) if got.ndim else ()
    if part.kind == "dict":
        where = _dict_index_text(expected_raw, first[0], part.name)
    else:
        where = part.name + _index_text(first)
    lines = []
    count = int(bad.sum())
    values = f"yours {_value_text(got[first])}, expected {_value_text(expected[first])}"
    finite = np.isfinite(got)
    gap = number_text(float(np.max(np.abs(got - expected)))) if finite.all() else ""
    if got.ndim:
        if count == 1:
            lines.append(f"1 of {got.size} elements of {part.name} differs, {where}: {values}.")
        else:
            lines.append(f"{count} of {got.size} elements of {part.name} differ; the first, {where}: {values}.")
        if gap:
            lines.append(f"The largest difference is {gap}.")
    else:
        lines.append(f"{part.name} differs: {values}" + (f" (a difference of {gap})." if gap else "."))
    if not finite.all():
        lines.append(f"{part.name} holds {int((~finite).sum())} NaN or infinite value(s).")
    return [" ".join(lines)]


# --------------------------------------------------------------------------------------
# Chapter 2: one step of a vanilla RNN
# --------------------------------------------------------------------------------------


def _rnn_step(x, h, p, *, hh_t=False, ih_t=False, bias_ih=True, bias_hh=True, use_h=True, use_x=True, f=np.tanh,
              swap_weights=False):
    """PyTorch's RNN step, or one of the known mistakes; None where the mistake cannot be made.

    weight_ih used untransposed, or in place of weight_hh, fits only when the input and
    hidden sizes are equal: a reader cannot have made that mistake on other cases.
    """
    w_hh = p["weight_hh"] if hh_t else p["weight_hh"].T
    w_ih = p["weight_ih"] if ih_t else p["weight_ih"].T
    if (ih_t or swap_weights) and w_ih.shape[0] != w_ih.shape[1]:
        return None
    if swap_weights:
        w_hh, w_ih = w_ih, w_hh
    a = np.zeros(np.shape(h), dtype=np.float64)
    if use_x:
        a = a + x @ w_ih
    if use_h:
        a = a + h @ w_hh
    if bias_ih:
        a = a + p["bias_ih"]
    if bias_hh:
        a = a + p["bias_hh"]
    return f(a)


def _rnn_params(rng, input_size, hidden, gates=1, scale=0.8):
    return {
        "weight_ih": rng.normal(0, scale, (gates * hidden, input_size)),
        "weight_hh": rng.normal(0, scale, (gates * hidden, hidden)),
        "bias_ih": rng.normal(0, scale, gates * hidden),
        "bias_hh": rng.normal(0, scale, gates * hidden),
    }


_BATCH_NOTE = (
    "From this case on the input is a batch: x_t is (batch, input) and h_prev "
    "(batch, hidden), one row per example, and h_t must be (batch, hidden)."
)


def _rnn_cases() -> list[_Case]:
    rng = np.random.default_rng(1802)
    cases = []
    for batch, input_size, hidden in [(None, 3, 3), (None, 2, 4), (None, 1, 1), (2, 3, 4), (5, 4, 2), (1, 3, 3)]:
        lead = () if batch is None else (batch,)
        params = _rnn_params(rng, input_size, hidden)
        x = rng.normal(0, 1, lead + (input_size,))
        h = rng.uniform(-0.9, 0.9, lead + (hidden,))
        if batch is None:
            label = f"one example: input {input_size}, hidden {hidden}"
        else:
            label = f"a batch: batch {batch}, input {input_size}, hidden {hidden}"
        note = _BATCH_NOTE if (batch, input_size, hidden) == (2, 3, 4) else ""
        cases.append(_Case(label, (x, h, params), note))
    return cases


def _relu(a):
    return np.maximum(a, 0.0)


_RNN_MISTAKES = [
    _Mistake(
        "your h_t equals the step computed with weight_hh transposed. PyTorch stores "
        "weight_hh as (hidden out, hidden in): row j holds the weights into unit j.",
        lambda x, h, p: _rnn_step(x, h, p, hh_t=True),
    ),
    _Mistake(
        "your h_t equals the step computed with weight_ih transposed. weight_ih has "
        "shape (hidden, input): row j holds the weights from the input into unit j.",
        lambda x, h, p: _rnn_step(x, h, p, ih_t=True),
    ),
    _Mistake(
        "your h_t equals the step computed with weight_ih and weight_hh both "
        "transposed. Both are stored (out, in), as in PyTorch.",
        lambda x, h, p: _rnn_step(x, h, p, ih_t=True, hh_t=True),
    ),
    _Mistake(
        "your h_t equals the step computed with the two weights swapped: weight_ih "
        "multiplies the input x_t, weight_hh the previous state h_prev.",
        lambda x, h, p: _rnn_step(x, h, p, swap_weights=True),
    ),
    _Mistake(
        "your h_t equals the step computed with bias_hh left out. PyTorch's RNN has two "
        "biases, bias_ih and bias_hh, and adds both.",
        lambda x, h, p: _rnn_step(x, h, p, bias_hh=False),
    ),
    _Mistake(
        "your h_t equals the step computed with bias_ih left out. PyTorch's RNN has two "
        "biases, bias_ih and bias_hh, and adds both.",
        lambda x, h, p: _rnn_step(x, h, p, bias_ih=False),
    ),
    _Mistake(
        "your h_t equals the step computed with both biases left out (bias_ih and bias_hh).",
        lambda x, h, p: _rnn_step(x, h, p, bias_ih=False, bias_hh=False),
    ),
    _Mistake(
        "your h_t equals the step computed without the recurrent term (weight_hh times "
        "h_prev): the new state must depend on the previous one.",
        lambda x, h, p: _rnn_step(x, h, p, use_h=False),
    ),
    _Mistake(
        "your h_t equals the step computed without the input term (weight_ih times x_t).",
        lambda x, h, p: _rnn_step(x, h, p, use_x=False),
    ),
    _Mistake(
        "your h_t equals the step computed without the tanh: you returned the "
        "pre-activation.",
        lambda x, h, p: _rnn_step(x, h, p, f=lambda a: a),
    ),
    _Mistake(
        "your h_t equals the step computed with sigmoid instead of tanh.",
        lambda x, h, p: _rnn_step(x, h, p, f=sigmoid),
    ),
    _Mistake(
        "your h_t equals the step computed with relu instead of tanh.",
        lambda x, h, p: _rnn_step(x, h, p, f=_relu),
    ),
]


# --------------------------------------------------------------------------------------
# Chapter 3: softmax and cross-entropy; the two-step chain of backpropagation through time
# --------------------------------------------------------------------------------------


def _softmax(z, axis=-1):
    shifted = z - z.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


def _sce(logits, targets, *, axis=-1, mean_loss=True, mean_grad=True, sign=1.0, onehot=True, loss_sign=1.0):
    n = logits.shape[0]
    probs = _softmax(logits, axis=axis)
    rows = np.arange(n)
    with np.errstate(divide="ignore"):
        picked = -np.log(probs[rows, targets])
    loss = float(picked.sum() / (n if mean_loss else 1)) * loss_sign
    grad = probs.copy()
    if onehot:
        grad[rows, targets] -= 1.0
    grad = grad / (n if mean_grad else 1) * sign
    return loss, grad


def _sce_cases() -> list[_Case]:
    rng = np.random.default_rng(1803)
    cases = []
    for n, v, scale in [(1, 4, 2.0), (3, 5, 2.0), (6, 7, 1.5), (2, 3, 2.0), (3, 4, 1000.0)]:
        logits = rng.normal(0, scale, (n, v))
        targets = rng.integers(0, v, n)
        if scale > 100:
            logits = np.clip(np.round(logits), -1000.0, 1000.0)
            logits[0, 0] = 1000.0
            label = f"large scores: N {n}, V {v}, scores up to 1000"
        else:
            label = f"{'one prediction' if n == 1 else 'a batch'}: N {n}, V {v}"
        cases.append(_Case(label, (logits, targets)))
    return cases


def _overflowed(name, got, expected, case) -> bool:
    return bool(np.abs(case.args[0]).max() > 700) and not np.all(np.isfinite(got))


_SCE_MISTAKES = [
    _Mistake(
        "your dlogits equals the reference with its sign flipped: the gradient of the "
        "loss with respect to a score is p minus the one-hot target, not the reverse.",
        lambda z, t: _sce(z, t, sign=-1.0),
    ),
    _Mistake(
        "your dlogits equals the reference without the 1/N of the mean: the loss is the "
        "mean over the N rows, so each row's gradient is divided by N.",
        lambda z, t: _sce(z, t, mean_grad=False),
    ),
    _Mistake(
        "your loss is the sum over the N rows; the book's loss is their mean.",
        lambda z, t: _sce(z, t, mean_loss=False),
    ),
    _Mistake(
        "your dlogits equals the softmax probabilities without the one-hot of the target "
        "subtracted.",
        lambda z, t: _sce(z, t, onehot=False),
    ),
    _Mistake(
        "your loss has the wrong sign: it is minus the log of the probability of the "
        "target, a positive number.",
        lambda z, t: _sce(z, t, loss_sign=-1.0),
    ),
    _Mistake(
        "your result equals softmax taken over the rows (axis 0) instead of over each "
        "row's V scores (the last axis).",
        lambda z, t: _sce(z, t, axis=0),
    ),
    _Mistake(
        "exp of a large score overflows to inf: this is softmax without subtracting "
        "each row's largest score first (which changes nothing mathematically).",
        matches=_overflowed,
    ),
]


def _chain(x, w_x, w_h):
    x1, x2 = (float(v) for v in x)
    h1 = math.tanh(w_x * x1)
    y = math.tanh(w_x * x2 + w_h * h1)
    return x1, x2, h1, y


def _bptt(x, w_x, w_h, *, y_kind="ok", grad="ok"):
    x1, x2, h1, y = _chain(x, w_x, w_h)
    d2 = 1.0 - y**2
    d1 = 1.0 - h1**2
    grads = {
        "ok": d2 * h1,
        "no_tanh_prime": h1,
        "one_minus_y": (1.0 - y) * h1,
        "prime_at_h1": d1 * h1,
        "x1_for_h1": d2 * x1,
        "w_x_full": d2 * (x2 + w_h * d1 * x1),
        "w_x_direct": d2 * x2,
        "sign": -d2 * h1,
    }
    ys = {
        "ok": y,
        "pre": w_x * x2 + w_h * h1,
        "no_recurrence": math.tanh(w_x * x2),
        "x1_for_h1": math.tanh(w_x * x2 + w_h * x1),
        "h1": h1,
    }
    return ys[y_kind], grads[grad]


def _bptt_w_x(x, w_x, w_h, *, y_kind="ok", grad="ok"):
    x1, x2, h1, y = _chain(x, w_x, w_h)
    d2 = 1.0 - y**2
    d1 = 1.0 - h1**2
    grads = {
        "ok": d2 * (x2 + w_h * d1 * x1),
        "direct": d2 * x2,
        "through_h1_only": d2 * w_h * d1 * x1,
        "no_prime_1": d2 * (x2 + w_h * x1),
        "no_prime_2": x2 + w_h * d1 * x1,
        "no_primes": x2 + w_h * x1,
        "w_h": d2 * h1,
        "sign": -d2 * (x2 + w_h * d1 * x1),
    }
    return _bptt(x, w_x, w_h, y_kind=y_kind)[0], grads[grad]


def _bptt_cases() -> list[_Case]:
    rng = np.random.default_rng(1804)
    cases = [_Case("x as a list", ([0.5, -1.0], 0.8, 1.2))]
    for k in range(4):
        x = np.round(rng.uniform(-1.5, 1.5, 2), 3)
        w_x, w_h = (float(v) for v in np.round(rng.uniform(-1.5, 1.5, 2), 3))
        args = (x, w_x, w_h) if k % 2 == 0 else ([float(v) for v in x], w_x, w_h)
        cases.append(_Case(f"x as {'an array' if k % 2 == 0 else 'a list'}, random weights", args))
    return cases


_Y_MISTAKES = [
    ("pre", "your y is the pre-activation of step 2: the tanh is missing."),
    ("no_recurrence", "your y leaves out h₁: step 2 adds w_h times h₁ before the tanh."),
    ("x1_for_h1", "your y uses x₁ where h₁ belongs: step 2 reads the state h₁, not the input."),
    ("h1", "your y is h₁, the state after step 1; y is the state after step 2."),
]

_BPTT_MISTAKES = [
    _Mistake(hint, lambda x, a, b, kind=kind: _bptt(x, a, b, y_kind=kind)) for kind, hint in _Y_MISTAKES
] + [
    _Mistake(
        "your dy_dw_h misses the factor tanh'(the pre-activation of step 2) = 1 − y²: "
        "the chain rule passes through the tanh.",
        lambda x, a, b: _bptt(x, a, b, grad="no_tanh_prime"),
    ),
    _Mistake(
        "your dy_dw_h uses 1 − y for the slope of tanh; the slope is 1 − y².",
        lambda x, a, b: _bptt(x, a, b, grad="one_minus_y"),
    ),
    _Mistake(
        "your dy_dw_h takes the slope of tanh at step 1 (1 − h₁²); w_h enters at step 2, "
        "so the slope is that of step 2, 1 − y².",
        lambda x, a, b: _bptt(x, a, b, grad="prime_at_h1"),
    ),
    _Mistake(
        "your dy_dw_h uses x₁ where h₁ belongs: w_h multiplies the state h₁.",
        lambda x, a, b: _bptt(x, a, b, grad="x1_for_h1"),
    ),
    _Mistake(
        "your dy_dw_h equals dy/dw_x, the derivative with respect to the input weight.",
        lambda x, a, b: _bptt(x, a, b, grad="w_x_full"),
    ),
    _Mistake(
        "your dy_dw_h equals the direct path of dy/dw_x (through x₂ only): a derivative "
        "with respect to the input weight, and without its path through h₁.",
        lambda x, a, b: _bptt(x, a, b, grad="w_x_direct"),
    ),
    _Mistake(
        "your dy_dw_h has the wrong sign.",
        lambda x, a, b: _bptt(x, a, b, grad="sign"),
    ),
]

_BPTT_W_X_MISTAKES = [
    _Mistake(hint, lambda x, a, b, kind=kind: _bptt_w_x(x, a, b, y_kind=kind)) for kind, hint in _Y_MISTAKES
] + [
    _Mistake(
        "your dy_dw_x keeps only the direct path (w_x times x₂ at step 2) and forgets the "
        "chain through h₁: w_x also made h₁, which step 2 reads through w_h.",
        lambda x, a, b: _bptt_w_x(x, a, b, grad="direct"),
    ),
    _Mistake(
        "your dy_dw_x keeps only the path through h₁ and forgets the direct one "
        "(w_x times x₂ at step 2).",
        lambda x, a, b: _bptt_w_x(x, a, b, grad="through_h1_only"),
    ),
    _Mistake(
        "your dy_dw_x misses the slope of the tanh at step 1 (1 − h₁²) on the path "
        "through h₁.",
        lambda x, a, b: _bptt_w_x(x, a, b, grad="no_prime_1"),
    ),
    _Mistake(
        "your dy_dw_x misses the slope of the tanh at step 2 (1 − y²), which both paths "
        "pass through.",
        lambda x, a, b: _bptt_w_x(x, a, b, grad="no_prime_2"),
    ),
    _Mistake(
        "your dy_dw_x misses both tanh' factors (1 − y² and 1 − h₁²).",
        lambda x, a, b: _bptt_w_x(x, a, b, grad="no_primes"),
    ),
    _Mistake(
        "your dy_dw_x equals dy/dw_h, the derivative with respect to the recurrent weight.",
        lambda x, a, b: _bptt_w_x(x, a, b, grad="w_h"),
    ),
    _Mistake(
        "your dy_dw_x has the wrong sign.",
        lambda x, a, b: _bptt_w_x(x, a, b, grad="sign"),
    ),
]


# --------------------------------------------------------------------------------------
# Chapter 4: clipping the gradient by its norm
# --------------------------------------------------------------------------------------


def _clip(grads, max_norm, *, mode="global"):
    norms = {key: float(np.sqrt(np.sum(np.asarray(g) ** 2))) for key, g in grads.items()}
    total = math.sqrt(sum(n**2 for n in norms.values()))
    if mode == "global":  # as torch.nn.utils.clip_grad_norm_
        scale = min(1.0, max_norm / (total + 1e-6))
        return ({key: g * scale for key, g in grads.items()},)
    if mode == "each":
        return ({key: g * min(1.0, max_norm / (norms[key] + 1e-6)) for key, g in grads.items()},)
    if mode == "always":
        return ({key: g * (max_norm / total) for key, g in grads.items()},)
    if mode == "no_sqrt":
        scale = min(1.0, max_norm / total**2)
        return ({key: g * scale for key, g in grads.items()},)
    if mode == "values":
        return ({key: np.clip(g, -max_norm, max_norm) for key, g in grads.items()},)
    if mode == "sum_of_norms":
        scale = min(1.0, max_norm / sum(norms.values()))
        return ({key: g * scale for key, g in grads.items()},)
    if mode == "upside_down":
        scale = total / max_norm if total > max_norm else 1.0
        return ({key: g * scale for key, g in grads.items()},)
    raise ValueError(mode)


def _clip_cases() -> list[_Case]:
    rng = np.random.default_rng(1805)

    def grads(input_size, hidden, gates=1, big=None, scale=0.3):
        g = _rnn_params(rng, input_size, hidden, gates, scale)
        if big:
            g[big] = g[big] * 20
        return g

    cases = [
        _Case("four gradients, their norm above max_norm", (grads(3, 4, big="weight_hh"), 1.0)),
        _Case("four gradients, their norm below max_norm", (grads(2, 3, scale=0.1), 1.0)),
        _Case("one gradient, its norm above max_norm", ({"weight": rng.normal(0, 3, (3, 5))}, 2.0)),
        _Case("LSTM-sized gradients, norm above max_norm", (grads(2, 3, gates=4, big="bias_ih"), 2.5)),
    ]
    return cases


_CLIP_MISTAKES = [
    _Mistake(
        "your result equals each tensor clipped on its own instead of all together: the "
        "norm to compare with max_norm is that of all the gradients as one long vector, "
        "and all are scaled by the same factor.",
        lambda g, m: _clip(g, m, mode="each"),
    ),
    _Mistake(
        "your result is scaled although the norm is below max_norm: clipping only ever "
        "shrinks a gradient, and leaves it alone when its norm is at most max_norm.",
        lambda g, m: _clip(g, m, mode="always"),
    ),
    _Mistake(
        "your result equals clipping by the sum of squares, without its square root: the "
        "norm is the square root of the sum of all squared elements.",
        lambda g, m: _clip(g, m, mode="no_sqrt"),
    ),
    _Mistake(
        "your result equals clipping each element to [-max_norm, max_norm] (clipping by "
        "value); this exercise clips by the norm, which keeps the gradient's direction.",
        lambda g, m: _clip(g, m, mode="values"),
    ),
    _Mistake(
        "your result equals clipping by the sum of the tensors' norms; the norm of all "
        "gradients together is the square root of the sum of their squared norms.",
        lambda g, m: _clip(g, m, mode="sum_of_norms"),
    ),
    _Mistake(
        "your result is scaled by norm / max_norm, which makes it larger; the factor is "
        "max_norm / norm.",
        lambda g, m: _clip(g, m, mode="upside_down"),
    ),
]


# --------------------------------------------------------------------------------------
# Chapter 5: one step of an LSTM
# --------------------------------------------------------------------------------------

_PYTORCH_ORDER = ("i", "f", "g", "o")


def _lstm_step(x, state, p, *, order=_PYTORCH_ORDER, fns="ok", bias_ih=True, bias_hh=True,
               h_from="c_t", c_out="c_t", forget=True, keep_c=True, tanh_c=True, swap_out=False):
    h_prev, c_prev = state
    a = x @ p["weight_ih"].T + h_prev @ p["weight_hh"].T
    if bias_ih:
        a = a + p["bias_ih"]
    if bias_hh:
        a = a + p["bias_hh"]
    chunks = dict(zip(order, np.split(a, 4, axis=-1)))
    squash, cell = (sigmoid, np.tanh)
    if fns == "swapped":
        squash, cell = (np.tanh, sigmoid)
    elif fns == "all_sigmoid":
        cell = sigmoid
    i, f, g, o = squash(chunks["i"]), squash(chunks["f"]), cell(chunks["g"]), squash(chunks["o"])
    c = (f if forget else 1.0) * c_prev * (1.0 if keep_c else 0.0) + i * g
    source = c if h_from == "c_t" else c_prev
    h = o * (np.tanh(source) if tanh_c else source)
    c_returned = c if c_out == "c_t" else c_prev
    return (c_returned, h) if swap_out else (h, c_returned)


def _lstm_cases() -> list[_Case]:
    rng = np.random.default_rng(1806)
    cases = []
    for batch, input_size, hidden in [(None, 3, 4), (None, 1, 2), (None, 2, 1), (2, 3, 4), (3, 5, 2), (1, 2, 3)]:
        lead = () if batch is None else (batch,)
        params = _rnn_params(rng, input_size, hidden, gates=4, scale=1.0)
        x = rng.normal(0, 1, lead + (input_size,))
        h = rng.uniform(-0.9, 0.9, lead + (hidden,))
        c = rng.normal(0, 1.5, lead + (hidden,))
        if batch is None:
            label = f"one example: input {input_size}, hidden {hidden}"
        else:
            label = f"a batch: batch {batch}, input {input_size}, hidden {hidden}"
        note = (
            "From this case on the input is a batch: x_t is (batch, input), the states "
            "(batch, hidden), one row per example."
            if (batch, input_size, hidden) == (2, 3, 4) else ""
        )
        cases.append(_Case(label, (x, (h, c), params), note))
    return cases


def _lstm_mistakes() -> list[_Mistake]:
    mistakes = []
    for order in itertools.permutations(_PYTORCH_ORDER):
        if order == _PYTORCH_ORDER:
            continue
        mistakes.append(_Mistake(
            f"your result equals the step with the gates read in the order {', '.join(order)}. "
            "PyTorch stacks them i, f, g, o: rows 0 to hidden-1 of weight_ih belong to i, "
            "the next hidden rows to f, then g, then o.",
            lambda x, s, p, order=order: _lstm_step(x, s, p, order=order),
        ))
    mistakes += [
        _Mistake(
            "your result equals the step with tanh and sigmoid swapped: the gates i, f "
            "and o use sigmoid (a share between 0 and 1); the candidate g uses tanh.",
            lambda x, s, p: _lstm_step(x, s, p, fns="swapped"),
        ),
        _Mistake(
            "your result equals the step with the candidate g squashed by sigmoid; g uses "
            "tanh (values between -1 and 1), only i, f and o use sigmoid.",
            lambda x, s, p: _lstm_step(x, s, p, fns="all_sigmoid"),
        ),
        _Mistake(
            "your h_t is computed from c_prev, the old cell state: the output reads the "
            "new cell state c_t.",
            lambda x, s, p: _lstm_step(x, s, p, h_from="c_prev"),
        ),
        _Mistake(
            "your c_t equals c_prev: the cell state was not updated.",
            lambda x, s, p: _lstm_step(x, s, p, c_out="c_prev"),
        ),
        _Mistake(
            "your result equals the step without the forget gate: c_prev is kept whole "
            "instead of multiplied by f.",
            lambda x, s, p: _lstm_step(x, s, p, forget=False),
        ),
        _Mistake(
            "your result equals the step with c_prev left out of c_t: the new cell state "
            "is the forget gate times c_prev plus the input gate times g.",
            lambda x, s, p: _lstm_step(x, s, p, keep_c=False),
        ),
        _Mistake(
            "your h_t misses the tanh of the cell state: h_t is o times tanh(c_t).",
            lambda x, s, p: _lstm_step(x, s, p, tanh_c=False),
        ),
        _Mistake(
            "your result equals the step with bias_hh left out; the LSTM adds both "
            "biases, bias_ih and bias_hh.",
            lambda x, s, p: _lstm_step(x, s, p, bias_hh=False),
        ),
        _Mistake(
            "your result equals the step with bias_ih left out; the LSTM adds both "
            "biases, bias_ih and bias_hh.",
            lambda x, s, p: _lstm_step(x, s, p, bias_ih=False),
        ),
        _Mistake(
            "your h_t and c_t are the expected ones in the wrong order: return (h_t, c_t).",
            lambda x, s, p: _lstm_step(x, s, p, swap_out=True),
        ),
    ]
    return mistakes


# --------------------------------------------------------------------------------------
# Chapter 6: sampling with a temperature, checked by its distribution
# --------------------------------------------------------------------------------------

# (label, logits, temperature, seed, draws)
_SAMPLING_CASES = [
    ("V 5, temperature 1", [0.5, 1.5, -0.3, 0.9, 0.0], 1.0, 61, 1200),
    ("V 4, temperature 0.5", [0.2, -0.4, 0.7, 0.0], 0.5, 62, 1200),
    ("V 6, temperature 2", [2.0, -1.0, 0.5, 3.0, 1.0, -2.0], 2.0, 63, 1200),
    ("V 8, temperature 0.8", [0.3, -0.2, 1.0, 0.1, -0.6, 0.4, 0.8, -0.1], 0.8, 64, 1200),
    ("V 5, small temperature 0.001", [0.3, 1.1, 0.9, -0.2, 0.5], 0.001, 65, 200),
]
_SMALL_T_NOTE = (
    "At a small temperature the most likely index should come every time. Here "
    "logits / T reach about 1000, and exp overflows to inf unless the largest one is "
    "subtracted first (which changes nothing mathematically)."
)
_CHI2_Z = 4.753  # the standard normal's upper 1e-6 quantile


def _chi2_limit(df: int) -> float:
    """Upper 1e-6 quantile of chi-square with df degrees of freedom (Wilson-Hilferty)."""
    k = 2.0 / (9.0 * df)
    return df * (1.0 - k + _CHI2_Z * math.sqrt(k)) ** 3


def _consistent(counts: np.ndarray, probs: np.ndarray) -> bool:
    """Could these counts come from these probabilities? A chi-square test at 1e-6.

    Cells expecting fewer than 5 draws are pooled; a pool expecting (almost) none
    must receive none.
    """
    n = counts.sum()
    expected = probs * n
    small = expected < 5
    observed_bins = list(counts[~small])
    expected_bins = list(expected[~small])
    if small.any():
        if expected[small].sum() < 1e-6:
            if counts[small].sum() > 0:
                return False
        else:
            observed_bins.append(counts[small].sum())
            expected_bins.append(expected[small].sum())
    if len(observed_bins) <= 1:
        return True
    o, e = np.array(observed_bins, float), np.array(expected_bins, float)
    return float(((o - e) ** 2 / e).sum()) <= _chi2_limit(len(o) - 1)


def _sampling_probs(logits, temperature):
    return _softmax(np.asarray(logits, float) / temperature)


def _sampling_candidates(logits, temperature):
    logits = np.asarray(logits, float)
    v = logits.size
    onehot = np.zeros(v)
    onehot[int(np.argmax(logits))] = 1.0
    return [
        ("your draws always give the index of the largest logit (argmax): the exercise "
         "draws at random, each index with its probability.", onehot),
        ("your draws look uniform: every index equally often. The probabilities come from "
         "softmax(logits / temperature).", np.full(v, 1.0 / v)),
        ("your draws follow softmax(logits × temperature): the temperature multiplies the "
         "logits instead of dividing them.", _softmax(logits * temperature)),
        ("your draws follow softmax(logits), as if the temperature were 1: it was left "
         "out.", _softmax(logits)),
    ]


def _index_problem(value, v: int) -> str:
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        return (f"your function returned {_type_name(value)}"
                + (f" ({_value_text(value)})" if isinstance(value, (float, np.floating)) else "")
                + f"; expected one integer index from 0 to {v - 1}")
    if not 0 <= int(value) < v:
        return f"your function returned {int(value)}; expected an index from 0 to {v - 1}"
    return ""


def _run_sampling(exercise: _Exercise, fn, time_limit: float, lines: list[str]) -> bool:
    head = f"{exercise.name}: not yet right."
    total = len(_SAMPLING_CASES)
    for number, (label, logits, temperature, seed, n) in enumerate(_SAMPLING_CASES, start=1):
        logits = np.array(logits, dtype=np.float64)
        where = f"Case {number} of {total} ({label}, {n} draws)"
        call_text = (f"It was called {n} times with logits {logits.shape}, temperature "
                     f"{_value_text(temperature)} and one rng.")
        note = _SMALL_T_NOTE if temperature < 0.01 else ""

        def draws(count, seed=seed, logits=logits, temperature=temperature):
            rng = np.random.default_rng(seed)
            out = []
            for _ in range(count):
                out.append(fn(logits.copy(), temperature, rng))
            return out

        with np.errstate(all="ignore"):
            outcome = _call_limited(lambda: draws(n), time_limit)
        if not _report_outcome(outcome, head, where, call_text, note, time_limit, lines):
            return False
        values = outcome.value
        for k, value in enumerate(values):
            problem = _index_problem(value, logits.size)
            if problem:
                lines.extend(_wrap(f"{head} {where}, draw {k + 1}:"))
                lines.extend(_wrap(_sentence(problem), "  "))
                return False
        if number == 1:  # the draws must come from the rng passed in, so that a seed repeats them
            with np.errstate(all="ignore"):
                again = _call_limited(lambda: draws(100), time_limit)
            if again.value is None or [int(v) for v in again.value] != [int(v) for v in values[:100]]:
                lines.extend(_wrap(f"{head} {where}:"))
                lines.extend(_wrap(
                    "two runs with the same seed gave different draws. Draw with the rng your "
                    "function is given, not with np.random or a generator of its own, so that a "
                    "seed makes the text reproducible.", "  "))
                return False
        counts = np.bincount(np.array([int(v) for v in values]), minlength=logits.size)
        probs = _sampling_probs(logits, temperature)
        if _consistent(counts, probs):
            continue
        lines.extend(_wrap(f"{head} {where}: the shares of your draws do not fit the "
                           "expected probabilities."))
        lines.append("  index     " + "".join(f"{k:>8}" for k in range(logits.size)))
        lines.append("  yours     " + "".join(f"{100 * c / n:>6.1f} %" for c in counts))
        lines.append("  expected  " + "".join(f"{100 * p:>6.1f} %" for p in probs))
        hint = ""
        if len(set(int(v) for v in values)) == 1 and counts[int(np.argmax(logits))] != n:
            hint = ("every draw gave the same index: does your function make a new generator "
                    "on each call instead of drawing with the rng it is given?")
        else:
            for text, candidate in _sampling_candidates(logits, temperature):
                if not np.allclose(candidate, probs, atol=1e-3) and _consistent(counts, candidate):
                    hint = text
                    break
        if hint:
            lines.extend(_wrap("Hint: " + hint, "  "))
        if note:
            lines.extend(_wrap(note, "  "))
        return False
    return True


# --------------------------------------------------------------------------------------
# The registry and check()
# --------------------------------------------------------------------------------------


def _one(fn):
    """A function of one result as one of a tuple of parts (None stays None: no result)."""
    def parts(*args):
        value = fn(*args)
        return None if value is None else (value,)

    return parts


_EXERCISES: dict[str, _Exercise] = {}


def _register(exercise: _Exercise) -> None:
    _EXERCISES[exercise.name] = exercise


_register(_Exercise(
    "rnn_step", 2, "f(x_t, h_prev, params) -> h_t", ("x_t", "h_prev", "params"),
    (_Part("h_t", "array", "the shape of h_prev"),),
    _one(_rnn_step), _rnn_cases,
    "one example and batches; input sizes 1 to 4, hidden sizes 1 to 4",
    lambda: [_Mistake(m.hint, _one(m.compute)) for m in _RNN_MISTAKES],
))
_register(_Exercise(
    "softmax_cross_entropy", 3, "f(logits, targets) -> (loss, dlogits)", ("logits", "targets"),
    (_Part("loss", "scalar", "one number, the mean over the rows"),
     _Part("dlogits", "array", "the shape of logits")),
    _sce, _sce_cases,
    "one prediction and batches; 3 to 7 classes; scores up to 1000",
    lambda: _SCE_MISTAKES,
))
_register(_Exercise(
    "bptt", 3, "f(x, w_x, w_h) -> (y, dy_dw_h)", ("x", "w_x", "w_h"),
    (_Part("y", "scalar", "one number"), _Part("dy_dw_h", "scalar", "one number")),
    _bptt, _bptt_cases,
    "five inputs and weights, x as a list and as an array",
    lambda: _BPTT_MISTAKES,
    show_values=True,
))
_register(_Exercise(
    "bptt_w_x", 3, "f(x, w_x, w_h) -> (y, dy_dw_x)", ("x", "w_x", "w_h"),
    (_Part("y", "scalar", "one number"), _Part("dy_dw_x", "scalar", "one number")),
    _bptt_w_x, _bptt_cases,
    "five inputs and weights, x as a list and as an array",
    lambda: _BPTT_W_X_MISTAKES,
    show_values=True,
))
_register(_Exercise(
    "clip_grad_norm", 4, "f(grads, max_norm) -> dict", ("grads", "max_norm"),
    (_Part("result", "dict", "a dict with the keys and shapes of grads"),),
    _clip, _clip_cases,
    "norms above and below max_norm; one to four gradients",
    lambda: _CLIP_MISTAKES,
))
_register(_Exercise(
    "lstm_step", 5, "f(x_t, (h_prev, c_prev), params) -> (h_t, c_t)", ("x_t", "state", "params"),
    (_Part("h_t", "array", "the shape of h_prev"), _Part("c_t", "array", "the shape of c_prev")),
    _lstm_step, _lstm_cases,
    "one example and batches; input sizes 1 to 5, hidden sizes 1 to 4",
    _lstm_mistakes,
))
_register(_Exercise(
    "sample_with_temperature", 6, "f(logits, temperature, rng) -> index",
    ("logits", "temperature", "rng"),
    (_Part("index", "scalar", "one integer index"),),
    None, lambda: [],
    "five temperatures from 0.001 to 2; 4 to 8 indices; 5000 draws",
    runner=_run_sampling,
))


def exercise_names() -> list[str]:
    """The names ``check`` knows, in the order of the chapters. Introduced in chapter 2."""
    return list(_EXERCISES)


def _report_outcome(outcome, head, where, call_text, note, time_limit, lines) -> bool:
    """Append the message for an error or a timeout; True when the call returned."""
    if outcome.timed_out:
        lines.extend(_wrap(f"{head} {where}: your function did not return within "
                           f"{number_text(time_limit)} seconds and was stopped."))
        lines.extend(_wrap(call_text + " Is there a loop that never ends (a while whose "
                           "condition never becomes false)? A slow function can be given "
                           "more time: check(..., time_limit=60).", "  "))
        if outcome.still_running:
            lines.extend(_wrap("It could not be stopped and may still be running; restart "
                               "the kernel if the computer stays busy.", "  "))
        return False
    if outcome.error is not None:
        error = outcome.error
        lines.extend(_wrap(f"{head} {where}: your function raised an error.", ""))
        lines.extend(_wrap(call_text, "  "))
        message = str(error).strip().splitlines()
        first = f"{type(error).__name__}: {message[0] if message else ''}".strip()
        lines.extend(_wrap(first, "    ", first="  "))
        frame = _reader_frame(error)
        if frame:
            lines.extend(_wrap(frame, "    ", first="  "))
        if note:
            lines.extend(_wrap(note, "  "))
        return False
    return True


def _call_text(exercise: _Exercise, args) -> str:
    pieces = []
    for name, value in zip(exercise.arg_names, args):
        if name == "state":  # the LSTM's pair
            pieces.append(f"state (h_prev {np.shape(value[0])}, c_prev {np.shape(value[1])})")
        elif exercise.show_values and isinstance(value, np.ndarray):
            pieces.append(f"{name} = array([{', '.join(_value_text(v) for v in value)}])")
        elif isinstance(value, (np.ndarray, Mapping)):
            pieces.append(f"{name} {_describe(value)}")
        else:
            pieces.append(f"{name} = {_describe(value)}")
    return f"It was called with {', '.join(pieces)}."


def _run_cases(exercise: _Exercise, fn, time_limit: float, lines: list[str]) -> bool:
    head = f"{exercise.name}: not yet right."
    cases = exercise.make_cases()
    total = len(cases)
    for number, case in enumerate(cases, start=1):
        where = f"Case {number} of {total} ({case.label})"
        passed = "" if number == 1 else (
            "Case 1 passed. " if number == 2 else f"Cases 1 to {number - 1} passed. ")
        call_text = _call_text(exercise, case.args)
        given = _copy(case.args)
        with np.errstate(all="ignore"):
            outcome = _call_limited(lambda: fn(*given), time_limit)
        if not _report_outcome(outcome, head, where, call_text, case.note, time_limit, lines):
            if passed:
                lines.extend(_wrap(passed, "  "))
            return False
        changed = _changed_argument(exercise.arg_names, case.args, given)
        if changed:
            lines.extend(_wrap(f"{head} {where}: your function {changed}. Leave the inputs as "
                               "they are and return new arrays: the caller still needs them."))
            return False
        expected = exercise.reference(*_copy(case.args))
        parts, problem = _split_parts(exercise, outcome.value)
        if parts is None:
            lines.extend(_wrap(f"{head} {where}:"))
            lines.extend(_wrap(_sentence(problem), "  "))
            return False
        messages: list[str] = []
        failing: list[tuple[int, np.ndarray | None]] = []
        for k, part in enumerate(exercise.parts):
            got, want, problem = _prepare(part, parts[k], expected[k])
            if got is None:
                messages.append(_sentence(problem))
                failing.append((k, None))
            elif not _close(got, want):
                messages.extend(_difference_text(part, got, want, expected[k]))
                failing.append((k, got))
        if not failing:
            continue
        lines.extend(_wrap(f"{head} {where}:"))
        lines.extend(_wrap(call_text, "  "))
        for text in messages:
            lines.extend(_wrap(text, "  "))
        hints = _find_hints(exercise, case, expected, failing)
        for hint in hints:
            lines.extend(_wrap("Hint: " + hint, "  "))
        if not hints and case.note:
            lines.extend(_wrap(case.note, "  "))
        if passed:
            lines.extend(_wrap(passed, "  "))
        return False
    return True


def _find_hints(exercise: _Exercise, case: _Case, expected, failing) -> list[str]:
    hints: list[str] = []
    mistakes = exercise.mistakes
    for k, got in failing:
        if got is None:
            continue
        part = exercise.parts[k]
        for mistake in mistakes:
            if mistake.matches is not None:
                hit = mistake.matches(part.name, got, expected[k], case)
            else:
                with np.errstate(all="ignore"):
                    wrong = mistake.compute(*_copy(case.args))
                if wrong is None:  # a mistake that cannot be made on this case
                    continue
                want, _, _ = _prepare(part, wrong[k], expected[k])
                hit = want is not None and _close(got, want)
            if hit:
                if mistake.hint not in hints:
                    hints.append(mistake.hint)
                break
    return hints


def check(name: str, fn: Callable, *, time_limit: float = TIME_LIMIT) -> bool:
    """Check the reader's function ``fn`` for exercise ``name``; print the verdict.

    The verdict is plain text (lines of at most 76 characters, the same on every run):
    on a mismatch, what came and what was expected and, where the result matches a
    known mistake, which one. Introduced in chapter 2.

    Parameters
    ----------
    name : str
        One of ``exercise_names()``: "rnn_step", "softmax_cross_entropy", "bptt",
        "bptt_w_x", "clip_grad_norm", "lstm_step", "sample_with_temperature".
    fn : callable
        The reader's function, with the signature of the exercise (see the module's
        documentation).
    time_limit : float
        Seconds ``fn`` may take on one case before it is stopped.

    Returns
    -------
    bool
        True when ``fn`` agrees with the reference on every case.
    """
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) or not time_limit > 0:
        raise ValueError(f"time_limit must be a positive number of seconds; got {time_limit!r}")
    lines: list[str] = []
    exercise = _EXERCISES.get(name) if isinstance(name, str) else None
    if exercise is None:
        lines.extend(_wrap(f"check: there is no exercise called {name!r}. The exercises are:"))
        for known in _EXERCISES.values():
            lines.append(f"  {known.name}, chapter {known.chapter}: {known.signature}")
        print("\n".join(lines))
        return False
    if not callable(fn):
        lines.extend(_wrap(f"check({name!r}, ...): the second argument must be your function, "
                           f"{exercise.signature}; got {_type_name(fn)}."))
        print("\n".join(lines))
        return False
    runner = exercise.runner or _run_cases
    ok = runner(exercise, fn, float(time_limit), lines)
    if ok:
        lines.extend(_wrap(f"{exercise.name}: correct. Your function agrees with the "
                           f"reference on every case ({exercise.covers})."))
    print("\n".join(lines))
    return ok


__all__ = ["check", "exercise_names", "TIME_LIMIT"]
