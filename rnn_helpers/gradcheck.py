"""Checking gradients: by finite differences, and side by side with a reference.

Introduced in chapter 3. A hand-written backward pass is only trusted once it agrees with
two independent computations: nudging each weight a little and watching the loss move
(``numerical_gradient``), and PyTorch's autograd (compared with ``cmp``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np

from ._validate import check_shape, real_array
from .formatting import number_text, superscript


def numerical_gradient(loss_fn: Callable[[dict], float], params: Mapping[str, np.ndarray],
                       eps: float = 1e-5) -> dict[str, np.ndarray]:
    """Central differences (L(w + eps) - L(w - eps)) / (2 eps) for every entry of every array.

    ``loss_fn(params) -> float``; ``params`` dict of arrays (not changed: the function works
    on copies). Returns a dict with the keys and shapes of ``params``. The error of a
    central difference shrinks like eps**2, until rounding (about 1e-16 / eps) takes over.
    Introduced in chapter 3.
    """
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be a function params -> float; got {type(loss_fn).__name__}")
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a dict of arrays; got {type(params).__name__}")
    if not (isinstance(eps, (int, float)) and 0 < eps < 1):
        raise ValueError(f"eps must be a small positive number such as 1e-5; got {eps!r}")
    work = {key: real_array(value, f"params['{key}']").copy() for key, value in params.items()}
    grads = {}
    for key, array in work.items():
        grad = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            saved = array[index]
            array[index] = saved + eps
            plus = float(loss_fn(work))
            array[index] = saved - eps
            minus = float(loss_fn(work))
            array[index] = saved
            grad[index] = (plus - minus) / (2 * eps)
        grads[key] = grad
    return grads


def _pair(ours, reference, name: str) -> tuple[np.ndarray, np.ndarray]:
    ours = real_array(ours, f"{name} (ours)")
    reference = real_array(reference, f"{name} (reference)")
    check_shape(ours, f"{name} (ours)", reference.shape, "the shape of the reference")
    return ours, reference


def relative_error(ours, reference, name: str = "gradient") -> float:
    """||ours - reference|| / (||ours|| + ||reference||) (Euclidean norms; 0 when both are 0).

    About 1e-16 means equal up to rounding; a wrong gradient gives something near 1.
    Introduced in chapter 3.
    """
    ours, reference = _pair(ours, reference, name)
    denominator = np.linalg.norm(ours) + np.linalg.norm(reference)
    return 0.0 if denominator == 0 else float(np.linalg.norm(ours - reference) / denominator)


def order_of_magnitude(value: float, floor: float | None = None, reader: bool = False) -> str:
    """``"0"`` for zero, else ``"< 1e-k"`` with the smallest power of ten above ``value``;
    with ``reader=True`` the same bound as readers see numbers, ``"below 10⁻ᵏ"``.

    Used to print tiny differences without their last, machine-dependent digits. Rounding
    differences are themselves machine-dependent (a processor with AVX-512 takes other code
    paths than one with AVX2), so a value near a power of ten may land on either side of it:
    ``floor`` (a power of ten, e.g. ``1e-12``) prints every nonzero value below it as
    ``"< floor"``, which is the same on every machine. Introduced in chapter 3.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"value must be a non-negative number (a difference); got {type(value).__name__} {value!r}")
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"value must be a finite non-negative number (a difference, e.g. abs(a - b)); got {value!r}")
    floor_exponent = None
    if floor is not None:
        if isinstance(floor, (bool, np.bool_)) or not isinstance(floor, (int, float, np.integer, np.floating)):
            raise TypeError(f"floor must be a power of ten such as 1e-12, got {type(floor).__name__} {floor!r}")
        floor_exponent = round(math.log10(floor)) if 0 < floor < math.inf else None
        if floor_exponent is None or not math.isclose(10.0**floor_exponent, floor, rel_tol=1e-6):
            raise ValueError(f"floor must be a power of ten such as 1e-12, got {floor!r}")
    if value == 0:
        return "0"
    exponent = math.ceil(math.log10(value))
    if 10.0 ** exponent == value:
        exponent += 1
    if floor_exponent is not None:
        exponent = max(exponent, floor_exponent)
    if reader:
        return f"below 10{superscript(exponent)}"
    return f"< 1e{exponent:+03d}"


def compare(ours, reference, rtol: float = 1e-6, atol: float = 1e-9, name: str = "array") -> dict:
    """``{"exact": bool, "close": bool, "max_diff": float}`` for two arrays of the same shape.

    exact: every entry is bitwise equal; close: ``numpy.allclose(ours, reference, rtol, atol)``;
    max_diff: the largest absolute difference. Introduced in chapter 3.
    """
    ours, reference = _pair(ours, reference, name)
    difference = np.abs(ours - reference)
    return {
        "exact": bool(np.array_equal(ours, reference)),
        "close": bool(np.allclose(ours, reference, rtol=rtol, atol=atol)),
        "max_diff": float(difference.max()) if difference.size else 0.0,
    }


def cmp(name: str, ours, reference, rtol: float = 1e-6, atol: float = 1e-9, floor: float = 1e-12) -> str:
    """One line saying whether ``ours`` matches ``reference``: exact, close, and the max difference.

    Returns the line (print it). The difference is shown as an order of magnitude
    (``order_of_magnitude``), and anything below ``floor`` as ``< floor``, so that the line is
    the same on every machine. Introduced in chapter 3.
    """
    result = compare(ours, reference, rtol, atol, name)
    return (f"{name:<10} | exact: {str(result['exact']):<5} | close: {str(result['close']):<5} "
            f"| max diff: {order_of_magnitude(result['max_diff'], floor)}")


def agreement(name: str, ours, reference, rtol: float = 1e-6, atol: float = 1e-9, floor: float = 1e-12) -> str:
    """One line for readers saying whether ``ours`` and ``reference`` are the same numbers.

    "equal up to rounding" when every difference is below ``floor`` (bitwise equal or not:
    whether the last bit agrees depends on the processor, so the line does not say); else
    "close" (within ``rtol``/``atol``) or "DIFFERENT", with the largest difference. Numbers are written with
    ``formatting.number_text`` (``10⁻¹²``, not ``1e-12``), so the line is the same on every
    machine. ``cmp`` gives the same facts as exact / close / max diff. Introduced in chapter 3.
    """
    result = compare(ours, reference, rtol, atol, name)
    if not floor > 0:
        raise ValueError(f"floor must be a positive number; got {floor!r}")
    if result["max_diff"] < floor:
        exponent = int(np.floor(np.log10(floor)))
        bound = f"10{superscript(exponent)}" if 10.0**exponent == floor else number_text(floor)
        verdict = f"equal up to rounding (every difference below {bound})"
    else:
        word = "close" if result["close"] else "DIFFERENT"
        verdict = f"{word} (largest difference {number_text(result['max_diff'])})"
    return f"{name:<10} {verdict}"


__all__ = ["numerical_gradient", "relative_error", "order_of_magnitude", "compare", "cmp", "agreement"]
