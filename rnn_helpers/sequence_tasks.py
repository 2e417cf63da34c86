"""The four shapes of sequence problems, each as a few lines around ``rnn_forward``.

Introduced in chapter 1. The networks here are untrained: what matters is which inputs go in
at which step and which hidden states are read out, i.e. the *shapes*.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_params, real_array, check_ndim
from .numpy_rnn import check_rnn_params, rnn_forward


def read_out(h: np.ndarray, readout) -> np.ndarray:
    """Apply a linear read-out to hidden states: ``h`` (..., hidden) -> (..., output).

    ``readout`` is a dict with ``weight`` (output, hidden) and ``bias`` (output,).
    """
    h = real_array(h, "h")
    if h.ndim == 0:
        raise ValueError(f"h must be hidden states of shape (..., hidden); got a single number {h}")
    readout = check_params(readout, ("weight", "bias"), "readout")
    if readout["weight"].ndim != 2 or readout["weight"].shape[1] != h.shape[-1]:
        raise ValueError(f"readout['weight'] must have shape (output, {h.shape[-1]}) to match the hidden size; "
                         f"got {readout['weight'].shape}")
    if readout["bias"].shape != readout["weight"].shape[:1]:
        raise ValueError(f"readout['bias'] must have shape {readout['weight'].shape[:1]}; got {readout['bias'].shape}")
    return h @ readout["weight"].T + readout["bias"]


def _single_input(x) -> np.ndarray:
    x = real_array(x, "x")
    check_ndim(x, "x", {1: "(input,)"})
    return x


def one_to_one(x, params, readout) -> np.ndarray:
    """One input, one output, no sequence at all: ``x`` (input,) -> y (output,)."""
    h, _ = rnn_forward(_single_input(x)[None], params)
    return read_out(h[0], readout)


def one_to_many(x, params, readout, steps: int) -> np.ndarray:
    """One input at the first step, an output at every step: ``x`` (input,) -> y (steps, output).

    After the first step the network reads zeros and runs on its state alone.
    """
    x = _single_input(x)
    if isinstance(steps, (bool, np.bool_)) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be a positive integer; got {steps!r}")
    inputs = np.zeros((steps, x.size))
    inputs[0] = x
    h, _ = rnn_forward(inputs, params)
    return read_out(h, readout)


def many_to_one(xs, params, readout) -> np.ndarray:
    """A whole sequence in, one output from the final state: ``xs`` (T, input) -> y (output,)."""
    h, _ = rnn_forward(xs, params)
    return read_out(h[-1], readout)


def many_to_many(xs, params, readout) -> np.ndarray:
    """An output at every step, in step with the input: ``xs`` (T, input) -> y (T, output)."""
    h, _ = rnn_forward(xs, params)
    return read_out(h, readout)


def encode_decode(xs, encoder_params, decoder_params, readout, steps: int) -> np.ndarray:
    """Read the whole input, then write an output of another length: ``xs`` (T, input) -> y (steps, output).

    The encoder's final state is the decoder's initial state; the decoder reads zeros.
    This is the shape of translation, where the sentence lengths differ.
    """
    encoder_params = check_rnn_params(encoder_params, name="encoder_params")
    decoder_params = check_rnn_params(decoder_params, name="decoder_params")
    h_enc, _ = rnn_forward(xs, encoder_params)
    if isinstance(steps, (bool, np.bool_)) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be a positive integer; got {steps!r}")
    if not isinstance(decoder_params, dict) or "weight_ih" not in decoder_params:
        raise TypeError("decoder_params must be a dict of arrays like encoder_params (init_rnn_params(...))")
    decoder_inputs = np.zeros((steps, decoder_params["weight_ih"].shape[1]))
    h_dec, _ = rnn_forward(decoder_inputs, decoder_params, h0=h_enc[-1])
    return read_out(h_dec, readout)
