"""How the book writes numbers and symbols in text a reader sees (captions, printed results).

One notation everywhere: ``1.8 × 10⁻¹⁵`` rather than ``1.78e-15`` or ``10^-15``, subscripts as
``x₁`` and ``y₅``, derivatives as ``∂y₅/∂x₁``. Math in Markdown cells uses the same symbols in
LaTeX (``$\\partial y_5 / \\partial x_1$``). Introduced in chapter 1; used in every chapter.
"""

from __future__ import annotations

import math

import numpy as np

_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _check_digits(text) -> None:
    if isinstance(text, (bool, np.bool_)) or not isinstance(text, (str, int, np.integer)):
        raise TypeError(f"text must be an integer or a string of digits; got {type(text).__name__} {text!r}")


def superscript(text: str | int) -> str:
    """``superscript(-15) == "⁻¹⁵"``: digits and minus signs as Unicode superscripts."""
    _check_digits(text)
    return str(text).translate(_SUPERSCRIPTS)


def subscript(text: str | int) -> str:
    """``subscript(12) == "₁₂"``: digits as Unicode subscripts (``"x" + subscript(1)`` is x₁)."""
    _check_digits(text)
    return str(text).translate(_SUBSCRIPTS)


def number_text(value: float) -> str:
    """The size of a number written for readers: two significant digits, plain decimals from
    10⁻⁶ to 10⁶, else ``m × 10ᵏ``. The sign is dropped (it writes a magnitude).

    >>> number_text(0.1 ** 4), number_text(16.0), number_text(4.2e-5), number_text(3.6e7), number_text(8.2e-34)
    ('0.0001', '16', '0.000042', '3.6 × 10⁷', '8.2 × 10⁻³⁴')
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"value must be a real number; got {type(value).__name__} {value!r}")
    value = abs(float(value))
    if not math.isfinite(value):
        raise ValueError(f"value must be a finite number to be written for readers; got {value!r}")
    if value == 0:
        return "0"
    if 1e-6 <= value < 1e6:
        return np.format_float_positional(value, precision=2, unique=False, fractional=False, trim="-")
    mantissa, exponent = f"{value:.1e}".split("e")  # rounded from the exact value: 9.96e7 gives 1.0e+08
    return f"{mantissa} × 10{superscript(int(exponent))}"


__all__ = ["number_text", "subscript", "superscript"]
