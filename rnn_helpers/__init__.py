"""rnn_helpers: the computations behind the interactive RNN book.

The chapters call these functions in short cells; every function's docstring gives the
shapes it expects and the chapter that introduces it.
"""

from .numpy_lstm import lstm_backward, lstm_forward
from .numpy_rnn import rnn_backward, rnn_forward
from .torch_bridge import params_from_torch, params_to_torch

__all__ = [
    "rnn_forward",
    "rnn_backward",
    "lstm_forward",
    "lstm_backward",
    "params_from_torch",
    "params_to_torch",
]
__version__ = "0.1.0"
