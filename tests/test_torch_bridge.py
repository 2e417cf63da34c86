"""params_from_torch / params_to_torch: every refusal and warning by its whole text (issue 20)."""

import warnings

import numpy as np
import pytest
import torch

from rnn_helpers import params_from_torch, params_to_torch
from reference import exactly


@pytest.mark.parametrize("call, message", [
    (lambda: params_from_torch(torch.nn.RNN(2, 3, bidirectional=True)),
     "module is bidirectional; the numpy helpers model one direction only (build the module with bidirectional=False)"),
    (lambda: params_from_torch(torch.nn.LSTM(2, 3, proj_size=2)),
     "module has proj_size=2; the numpy LSTM has no projection (build the module with proj_size=0)"),
    (lambda: params_from_torch(torch.nn.RNN(2, 3, num_layers=2), layer=-1),
     "layer must be a non-negative integer; got -1"),
    (lambda: params_to_torch({**params_from_torch(torch.nn.RNN(2, 3)), "bias_ih": np.ones(3)},
                             torch.nn.RNN(2, 3, bias=False)),
     "module has bias=False but params['bias_ih'] is not all zeros; the module cannot hold it "
     "(build the module with bias=True)"),
    (lambda: params_to_torch(params_from_torch(torch.nn.RNN(2, 3)), torch.nn.RNN(3, 3)),
     "params['weight_ih'] must have shape (3, 3) (the shape of module.weight_ih_l0); got (3, 2)"),
])
def test_refusals_say_exactly_what_is_wrong(call, message):
    with pytest.raises(ValueError, match=exactly(message)):
        call()


@pytest.mark.parametrize("module, message", [
    (torch.nn.RNN(2, 3, nonlinearity="relu"),
     "module uses nonlinearity='relu'; the parameter dict does not carry it: call rnn_forward(x, params, "
     "nonlinearity='relu') to reproduce the module (the default, tanh, computes something else)"),
    (torch.nn.RNN(2, 3, batch_first=True),
     "module has batch_first=True, so it reads x as (batch, T, input); the numpy helpers read "
     "(T, batch, input): pass x.transpose(1, 0, 2) to them"),
])
def test_warnings_are_whole_and_point_at_the_callers_line(module, message):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        params_from_torch(module)
    assert [str(w.message) for w in caught] == [message]
    # the warning names a line outside rnn_helpers (the caller's; under mutmut, its trampoline's)
    assert caught[0].category is UserWarning and not caught[0].filename.endswith("rnn_helpers/torch_bridge.py")


def test_a_module_without_bias_takes_zero_biases_and_the_weights_exactly():
    source = params_from_torch(torch.nn.GRU(2, 3))
    zero_bias = {**source, "bias_ih": np.zeros(9), "bias_hh": np.zeros(9)}
    module = params_to_torch(zero_bias, torch.nn.GRU(2, 3, bias=False))
    np.testing.assert_array_equal(module.weight_hh_l0.detach().numpy(), source["weight_hh"].astype(np.float32))
    np.testing.assert_array_equal(module.weight_ih_l0.detach().numpy(), source["weight_ih"].astype(np.float32))
