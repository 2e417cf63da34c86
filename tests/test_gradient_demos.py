"""The training demos of chapter 4: model, optimiser and clipping against torch, and the runs' bookkeeping."""

import math
import warnings

import numpy as np
import pytest
import torch

from rnn_helpers.gradient_demos import (
    DIVERGED_LOSS,
    Optimizer,
    RunConfig,
    clip_gradients,
    forward,
    gradient_norm,
    gradient_ratio_at_init,
    init_params,
    loss_of,
    memory_batch,
    train,
)
from rnn_helpers.jacobians import gradient_norms

EXPLODING = dict(steps=15, noise=0.5, loss="mse", optimizer="sgd", lr=0.3, recurrent_norm=2.0, iterations=40)


def test_memory_batch_puts_the_answer_first():
    x, answer = memory_batch(torch.Generator().manual_seed(0), 50, 7, noise=0.3)
    assert x.shape == (7, 50, 1) and answer.shape == (50,)
    torch.testing.assert_close(x[0, :, 0], answer)
    assert set(answer.tolist()) == {-1.0, 1.0}
    assert 0.2 < float(x[1:].std()) < 0.4


def test_forward_matches_torch_nn_rnn_and_linear():
    config = RunConfig(hidden=5, seed=3)
    params = init_params(config)
    x, _ = memory_batch(torch.Generator().manual_seed(1), 4, 6, 1.0)
    rnn = torch.nn.RNN(1, 5).double()
    readout = torch.nn.Linear(5, 1).double()
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(params["W_ih"])
        rnn.weight_hh_l0.copy_(params["W_hh"])
        rnn.bias_ih_l0.copy_(params["b"])
        rnn.bias_hh_l0.zero_()
        readout.weight.copy_(params["V"])
        readout.bias.copy_(params["c"])
        expected = readout(rnn(x)[0][-1]).squeeze(1)
        prediction, _ = forward(params, x)
    torch.testing.assert_close(prediction, expected, rtol=1e-12, atol=1e-12)


def test_recorded_step_gradients_match_the_jacobian_product():
    """With one sequence, ||dL/dh_t|| from autograd equals the backward product of Jacobians."""
    params = init_params(RunConfig(hidden=6, seed=2, recurrent_norm=1.3))
    x, answer = memory_batch(torch.Generator().manual_seed(5), 1, 9, 1.0)
    prediction, states = forward(params, x, keep_states=True)
    loss_of(prediction, answer, "mse").backward()
    recorded = np.array([float(h.grad.norm()) for h in states])  # t = 1..T
    numpy_params = {
        "weight_ih": params["W_ih"].detach().numpy(),
        "weight_hh": params["W_hh"].detach().numpy(),
        "bias_ih": params["b"].detach().numpy(),
        "bias_hh": np.zeros(6),
    }
    norms = gradient_norms(x[:, 0].numpy(), numpy_params, output_grad=states[-1].grad[0].numpy())
    np.testing.assert_allclose(recorded[::-1], norms[:-1], rtol=1e-10)  # norms[k] is step T - k; the last is h_0


@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_optimizer_matches_torch_optim(kind):
    mine = init_params(RunConfig(hidden=4, seed=0))
    theirs = {key: value.detach().clone().requires_grad_() for key, value in mine.items()}
    optimizer = Optimizer(mine, kind, lr=0.05)
    reference = (torch.optim.Adam if kind == "adam" else torch.optim.SGD)(list(theirs.values()), lr=0.05)
    generator = torch.Generator().manual_seed(0)
    for _ in range(5):
        x, answer = memory_batch(generator, 8, 5, 1.0)
        for params, opt in ((mine, optimizer), (theirs, reference)):
            opt.zero_grad()
            loss_of(forward(params, x)[0], answer, "bce").backward()
            opt.step()
    for key in mine:
        torch.testing.assert_close(mine[key], theirs[key], rtol=1e-10, atol=1e-12)


def test_clipping_matches_torch_and_keeps_the_direction():
    params = init_params(RunConfig(hidden=4, seed=1, recurrent_norm=2.0))
    x, answer = memory_batch(torch.Generator().manual_seed(0), 8, 12, 1.0)
    loss_of(forward(params, x)[0], answer, "mse").backward()
    copies = {key: p.detach().clone().requires_grad_() for key, p in params.items()}
    for key in copies:
        copies[key].grad = params[key].grad.clone()
    before = {key: p.grad.clone() for key, p in params.items()}
    norm = clip_gradients(params, 0.05)
    torch_norm = torch.nn.utils.clip_grad_norm_(list(copies.values()), 0.05)
    assert norm == pytest.approx(float(torch_norm), rel=1e-12) and norm > 0.05
    assert gradient_norm(params) == pytest.approx(0.05, rel=1e-12)
    for key in params:
        torch.testing.assert_close(params[key].grad, copies[key].grad, rtol=1e-5, atol=1e-12)
        torch.testing.assert_close(params[key].grad, before[key] * (0.05 / norm), rtol=1e-12, atol=0)
    unchanged = {key: p.grad.clone() for key, p in params.items()}
    assert clip_gradients(params, 10.0) == pytest.approx(0.05)
    for key in params:
        assert torch.equal(params[key].grad, unchanged[key])


def test_exploding_run_stops_cleanly_and_clipping_rescues_it():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        wild = train(RunConfig(**EXPLODING))
        clipped = train(RunConfig(**EXPLODING, clip=1.0))
    assert wild.diverged_at is not None and wild.accuracy is None
    assert len(wild.losses) == wild.diverged_at and np.all(np.isfinite(wild.losses))
    assert np.all(np.isfinite(wild.grad_norms)) and wild.grad_norms.max() > 100
    assert clipped.diverged_at is None and np.all(np.isfinite(clipped.losses))
    assert clipped.losses[-5:].mean() < clipped.losses[0]


def test_runs_are_deterministic_and_record_what_was_asked():
    config = RunConfig(steps=6, iterations=12, record_at=(0, 11), seed=4)
    first, second = train(config), train(config)
    np.testing.assert_array_equal(first.losses, second.losses)
    assert sorted(first.step_grad_norms) == [0, 11]
    assert first.step_grad_norms[0].shape == (6,)
    assert first.losses.shape == (12,) and first.grad_norms.shape == (12,)
    assert 0.0 <= first.accuracy <= 1.0


def test_the_signal_reaching_step_one_shrinks_with_the_lag():
    ratios = [gradient_ratio_at_init(steps, 16) for steps in (5, 15, 30)]
    assert ratios[0] > 10 * ratios[1] > 100 * ratios[2]


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        ({"steps": 0}, r"steps must be a whole number >= 1; got 0"),
        ({"hidden": 2.5}, r"hidden must be a whole number >= 1"),
        ({"lr": -0.1}, r"lr must be positive; got -0.1"),
        ({"noise": float("nan")}, r"noise must be a finite number"),
        ({"clip": 0.0}, r"clip must be positive"),
        ({"optimizer": "rmsprop"}, r"optimizer must be one of \['adam', 'sgd'\]"),
        ({"loss": "hinge"}, r"loss must be one of \['bce', 'mse'\]"),
        ({"record_at": (0, 500)}, r"record_at must hold iterations from 0 to 199"),
    ],
)
def test_config_refuses_bad_settings(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        RunConfig(**kwargs)


def test_clip_threshold_must_be_positive():
    params = init_params(RunConfig(hidden=2))
    x, answer = memory_batch(torch.Generator().manual_seed(0), 2, 3, 1.0)
    loss_of(forward(params, x)[0], answer, "bce").backward()
    with pytest.raises(ValueError, match="threshold must be a positive number"):
        clip_gradients(params, 0)
    assert math.isfinite(DIVERGED_LOSS)
