"""Input checks shared by every public helper.

Each check raises an error whose message names the argument, what was expected and
what arrived, so that a reader who passes the wrong thing learns how to fix it
instead of getting a silently broadcast, wrong answer.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def as_float_array(value, name: str) -> np.ndarray:
    """Return ``value`` as a float64 array, or raise ``TypeError`` if it is not numeric.

    Accepts numpy arrays and (nested) lists or tuples of real numbers. Anything else
    (a string, a dict, a torch tensor, complex or boolean data) is refused.
    """
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(
            f"{name} is a masked array; its mask would be ignored and the hidden values used. "
            f"Pass {name}.filled(value) or drop the masked entries first"
        )
    if type(value).__module__.startswith("torch"):
        raise TypeError(
            f"{name} must be a numpy array, got a {type(value).__name__}; "
            "convert it first with .detach().cpu().numpy()"
        )
    if not isinstance(value, (np.ndarray, list, tuple, int, float, np.number)) or isinstance(value, bool):
        raise TypeError(f"{name} must be a numpy array of real numbers, got {type(value).__name__}")
    try:
        array = np.asarray(value)
    except ValueError as error:  # ragged nested lists
        raise TypeError(f"{name} must be a rectangular array of real numbers: {error}") from None
    if array.dtype.kind not in "iuf":
        raise TypeError(
            f"{name} must hold real numbers (int or float), got an array of dtype {array.dtype}"
        )
    if array.dtype.kind in "iu" and array.size and (array.max() > 2**53 or array.min() < -(2**53)):
        raise ValueError(
            f"{name} holds integers beyond 2**53 (largest magnitude "
            f"{max(abs(int(array.max())), abs(int(array.min())))}), which float64 cannot hold "
            f"exactly; convert {name} to float yourself if the rounding is acceptable"
        )
    return array.astype(np.float64)


def check_finite(array: np.ndarray, name: str) -> None:
    """Raise ``ValueError`` if ``array`` holds NaN or infinity, saying where the first one is."""
    bad = ~np.isfinite(array)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name} must be finite, but it holds {int(bad.sum())} NaN or infinite value(s); "
            f"the first is {array[where]} at index {where}"
        )


def check_ndim(array: np.ndarray, name: str, allowed: dict[int, str]) -> None:
    """Raise ``ValueError`` unless ``array.ndim`` is a key of ``allowed`` (ndim -> layout text)."""
    if array.ndim not in allowed:
        layouts = " or ".join(f"{ndim}-D {layout}" for ndim, layout in allowed.items())
        raise ValueError(f"{name} must be {layouts}; got shape {array.shape} ({array.ndim}-D)")


def check_shape(array: np.ndarray, name: str, expected: tuple[int, ...], because: str) -> None:
    """Raise ``ValueError`` unless ``array.shape == expected``; ``because`` says where it comes from."""
    if array.shape != tuple(expected):
        raise ValueError(f"{name} must have shape {tuple(expected)} ({because}); got {array.shape}")


def real_array(value, name: str) -> np.ndarray:
    """``as_float_array`` followed by ``check_finite``: the usual entry check."""
    array = as_float_array(value, name)
    check_finite(array, name)
    return array


def check_params(params, expected_keys: tuple[str, ...], name: str = "params") -> dict[str, np.ndarray]:
    """Return a dict of float64 arrays with exactly ``expected_keys``, each finite.

    Raises ``TypeError`` if ``params`` is not a mapping and ``ValueError`` naming any
    missing or unexpected key.
    """
    if not isinstance(params, Mapping):
        raise TypeError(f"{name} must be a dict of arrays with keys {list(expected_keys)}, got {type(params).__name__}")
    missing = [key for key in expected_keys if key not in params]
    extra = [key for key in params if key not in expected_keys]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing {missing}")
        if extra:
            parts.append(f"unexpected {extra}")
        raise ValueError(f"{name} must have exactly the keys {list(expected_keys)}; " + " and ".join(parts))
    return {key: real_array(params[key], f"{name}['{key}']") for key in expected_keys}


def check_choice(value, name: str, choices: tuple[str, ...]) -> str:
    """Return ``value`` as a ``str`` if it is one of ``choices``; raise a clear error otherwise.

    A numpy string (``np.str_`` or a 0-d string array) counts as the string it holds.
    """
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind == "U":
        value = value.item()
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of the strings {list(choices)}, got {type(value).__name__} {value!r}")
    value = str(value)
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def check_generation_options(mode: str, seed, length) -> np.random.Generator:
    """Check the options shared by the text generators and return their random generator.

    ``mode`` is "argmax" or "sample"; sampling needs a ``seed`` so the text is reproducible;
    ``length`` is a non-negative integer.
    """
    mode = check_choice(mode, "mode", ("argmax", "sample"))
    if mode == "sample" and seed is None:
        raise ValueError("mode='sample' draws random characters: give a seed so the text is reproducible")
    check_count(length, "length", minimum=0)
    return check_seed(seed)


def check_vocab(vocab, name: str = "vocab"):
    """Raise ``TypeError`` unless ``vocab`` is a ``rnn_helpers.vocab.Vocabulary`` (or acts like one)."""
    if not all(hasattr(vocab, attribute) for attribute in ("tokens", "encode", "one_hot")):
        raise TypeError(
            f"{name} must be a Vocabulary (rnn_helpers.vocab.Vocabulary(tokens)); got {type(vocab).__name__}"
        )
    return vocab


def check_count(value, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an ``int`` if it is an integer (not a bool) >= ``minimum``; else raise."""
    wanted = {0: "a non-negative integer", 1: "a positive integer"}.get(minimum, f"an integer >= {minimum}")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be {wanted}; got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be {wanted}; got {value!r}")
    return int(value)


def check_seed(seed) -> np.random.Generator:
    """Return ``numpy.random.default_rng(seed)``, with a clear error for a seed numpy refuses.

    A seed is ``None``, a non-negative integer, or a ``numpy.random.Generator`` (used as is).
    """
    if seed is not None and not isinstance(seed, (np.random.Generator, np.random.SeedSequence)):
        check_count(seed, "seed", minimum=0)
    return np.random.default_rng(seed)


def check_positive_number(value, name: str) -> float:
    """Return ``value`` as a float if it is a finite real number > 0 (numpy scalars too); else raise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a positive finite number; got {type(value).__name__} {value!r}")
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number; got {value!r}")
    return float(value)
