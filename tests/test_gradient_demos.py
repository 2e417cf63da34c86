"""The training demos of chapter 4: hand-written BPTT, optimiser and clipping against torch, and the runs' bookkeeping."""

import warnings

import numpy as np
import pytest
import torch

from rnn_helpers.gradient_demos import (
    DIVERGED_LOSS,
    PARAM_KEYS,
    Optimizer,
    RunConfig,
    clip_gradients,
    evaluate,
    forward,
    gradient_norm,
    gradient_ratio_at_init,
    init_params,
    loss_and_gradients,
    memory_batch,
    train,
)
from rnn_helpers.jacobians import gradient_norms

EXPLODING = dict(steps=15, noise=0.5, loss="mse", optimizer="sgd", lr=0.3, recurrent_norm=2.0, iterations=40)


def torch_loss(params, x, target, kind):
    """The same network and loss in torch: returns the loss, the leaf tensors and the states h_1..h_T."""
    leaves = {key: torch.tensor(value, requires_grad=True) for key, value in params.items()}
    h = torch.zeros(x.shape[1], params["W_hh"].shape[0], dtype=torch.float64)
    states = []
    for t in range(x.shape[0]):
        h = torch.tanh(torch.tensor(x[t]) @ leaves["W_ih"].T + leaves["b"] + h @ leaves["W_hh"].T)
        h.retain_grad()
        states.append(h)
    prediction = (h @ leaves["V"].T + leaves["c"]).squeeze(1)
    target = torch.tensor(target)
    if kind == "mse":
        loss = ((prediction - target) ** 2).mean()
    else:
        loss = torch.nn.functional.binary_cross_entropy_with_logits(prediction, (target > 0).double())
    return loss, leaves, states


def test_memory_batch_puts_the_answer_first():
    x, answer = memory_batch(np.random.default_rng(0), 50, 7, noise=0.3)
    assert x.shape == (7, 50, 1) and answer.shape == (50,)
    np.testing.assert_array_equal(x[0, :, 0], answer)
    assert set(answer.tolist()) == {-1.0, 1.0}
    assert 0.2 < float(x[1:].std()) < 0.4


def test_forward_matches_torch_nn_rnn_and_linear():
    params = init_params(RunConfig(hidden=5, seed=3))
    x, _ = memory_batch(np.random.default_rng(1), 4, 6, 1.0)
    rnn = torch.nn.RNN(1, 5).double()
    readout = torch.nn.Linear(5, 1).double()
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.tensor(params["W_ih"]))
        rnn.weight_hh_l0.copy_(torch.tensor(params["W_hh"]))
        rnn.bias_ih_l0.copy_(torch.tensor(params["b"]))
        rnn.bias_hh_l0.zero_()
        readout.weight.copy_(torch.tensor(params["V"]))
        readout.bias.copy_(torch.tensor(params["c"]))
        output, _ = rnn(torch.tensor(x))
        expected = readout(output[-1]).squeeze(1).numpy()
    prediction, states = forward(params, x)
    np.testing.assert_allclose(prediction, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(states[1:], output.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", ["bce", "mse"])
@pytest.mark.parametrize("recurrent_norm", [None, 1.8])
def test_hand_written_bptt_matches_autograd(kind, recurrent_norm):
    params = init_params(RunConfig(hidden=6, seed=2, recurrent_norm=recurrent_norm))
    x, answer = memory_batch(np.random.default_rng(5), 3, 9, 1.0)
    loss, grads, step_norms = loss_and_gradients(params, x, answer, kind)
    expected_loss, leaves, states = torch_loss(params, x, answer, kind)
    expected_loss.backward()
    assert loss == pytest.approx(float(expected_loss.detach()), rel=1e-12)
    for key in PARAM_KEYS:
        np.testing.assert_allclose(grads[key], leaves[key].grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(step_norms, [float(h.grad.norm()) for h in states], rtol=1e-10)


def test_hand_written_bptt_matches_finite_differences():
    params = init_params(RunConfig(hidden=3, seed=7))
    x, answer = memory_batch(np.random.default_rng(2), 4, 5, 1.0)
    _, grads, _ = loss_and_gradients(params, x, answer, "bce")
    eps = 1e-6
    for key in PARAM_KEYS:
        numeric = np.zeros_like(params[key])
        for index in np.ndindex(params[key].shape):
            saved = params[key][index]
            params[key][index] = saved + eps
            plus = loss_and_gradients(params, x, answer, "bce")[0]
            params[key][index] = saved - eps
            minus = loss_and_gradients(params, x, answer, "bce")[0]
            params[key][index] = saved
            numeric[index] = (plus - minus) / (2 * eps)
        np.testing.assert_allclose(grads[key], numeric, rtol=1e-5, atol=1e-9)


def test_step_norms_match_the_jacobian_product():
    """With one sequence, ||dL/dh_t|| equals the backward product of Jacobians from chapter 4's jacobians module."""
    params = init_params(RunConfig(hidden=6, seed=2, recurrent_norm=1.3))
    x, answer = memory_batch(np.random.default_rng(5), 1, 9, 1.0)
    _, _, step_norms = loss_and_gradients(params, x, answer, "mse")
    prediction, _ = forward(params, x)
    d_h_last = 2 * (prediction - answer)[0] * params["V"][0]  # dL/dh_T for one sequence
    layer = {"weight_ih": params["W_ih"], "weight_hh": params["W_hh"], "bias_ih": params["b"], "bias_hh": np.zeros(6)}
    norms = gradient_norms(x[:, 0], layer, output_grad=d_h_last)
    np.testing.assert_allclose(step_norms[::-1], norms[:-1], rtol=1e-10)  # norms[k] is step T - k; the last is h_0


@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_optimizer_matches_torch_optim(kind):
    mine = init_params(RunConfig(hidden=4, seed=0))
    theirs = {key: torch.tensor(value, requires_grad=True) for key, value in mine.items()}
    optimizer = Optimizer(mine, kind, lr=0.05)
    reference = (torch.optim.Adam if kind == "adam" else torch.optim.SGD)(list(theirs.values()), lr=0.05)
    rng = np.random.default_rng(0)
    for _ in range(5):
        x, answer = memory_batch(rng, 8, 5, 1.0)
        _, grads, _ = loss_and_gradients(mine, x, answer, "bce")
        optimizer.step(grads)
        reference.zero_grad()
        loss, leaves, _ = torch_loss({key: p.detach().numpy() for key, p in theirs.items()}, x, answer, "bce")
        loss.backward()
        for key in theirs:
            theirs[key].grad = leaves[key].grad
        reference.step()
    for key in mine:
        np.testing.assert_allclose(mine[key], theirs[key].detach().numpy(), rtol=1e-10, atol=1e-12)


def test_clipping_matches_torch_and_keeps_the_direction():
    params = init_params(RunConfig(hidden=4, seed=1, recurrent_norm=2.0))
    x, answer = memory_batch(np.random.default_rng(0), 8, 12, 1.0)
    _, grads, _ = loss_and_gradients(params, x, answer, "mse")
    before = {key: g.copy() for key, g in grads.items()}
    tensors = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads.values()]
    for tensor, g in zip(tensors, grads.values()):
        tensor.grad = torch.tensor(g)
    threshold = 0.5 * gradient_norm(grads)
    norm = clip_gradients(grads, threshold)
    torch_norm = torch.nn.utils.clip_grad_norm_(tensors, threshold)
    assert norm == pytest.approx(float(torch_norm), rel=1e-12)
    assert gradient_norm(grads) == pytest.approx(threshold, rel=1e-12)
    for (key, g), tensor in zip(grads.items(), tensors):
        np.testing.assert_allclose(g, tensor.grad.numpy(), rtol=1e-5)  # torch adds 1e-6 to the norm
        np.testing.assert_allclose(g, before[key] * 0.5, rtol=1e-12)
    unchanged = {key: g.copy() for key, g in grads.items()}
    assert clip_gradients(grads, 10 * threshold) == pytest.approx(threshold)
    for key in grads:
        np.testing.assert_array_equal(grads[key], unchanged[key])


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
    assert first.accuracy == second.accuracy and (first.accuracy * 2000).is_integer()


def hand_built(sign: float) -> dict:
    """One hidden unit: h_1 = tanh(5 x_1) (h_0 = 0), prediction sign * h_1."""
    return {"W_ih": np.array([[5.0]]), "W_hh": np.array([[1.0]]), "b": np.zeros(1),
            "V": np.array([[sign]]), "c": np.zeros(1)}


def test_evaluate_counts_right_signs_on_its_own_fresh_sequences():
    config = RunConfig(steps=1, noise=0.0, seed=3)
    # one step, no noise: h_1 = tanh(5 x_1), so V = +1 is always right and V = -1 always wrong
    assert evaluate(hand_built(1.0), config) == 1.0
    assert evaluate(hand_built(-1.0), config) == 0.0
    # a constant "+1" is right on exactly the positive answers of the evaluation draw (seed 10000 + seed)
    constant = {**hand_built(0.0), "c": np.ones(1)}
    answers = {seed: memory_batch(np.random.default_rng(seed), 2000, 1, 0.0)[1] for seed in (10_003, 3, 4)}
    assert evaluate(constant, config) == np.mean(answers[10_003] > 0)
    assert evaluate(constant, config, size=2000) not in {np.mean(answers[3] > 0), np.mean(answers[4] > 0)}


def test_a_short_lag_is_learned():
    assert train(RunConfig(steps=5, iterations=150)).accuracy > 0.95


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
    with pytest.raises(ValueError, match="threshold must be a positive number"):
        clip_gradients({"W_hh": np.ones((2, 2))}, 0)


def test_a_loss_above_the_divergence_threshold_stops_the_run(monkeypatch):
    import rnn_helpers.gradient_demos as demos

    config = RunConfig(steps=6, iterations=12, seed=4)
    full = train(config)
    assert DIVERGED_LOSS == 1e6 and full.losses.max() < DIVERGED_LOSS
    # lower the threshold to a loss the run reaches: it stops at the first update whose loss is above it
    threshold = float(np.sort(full.losses)[-3])
    monkeypatch.setattr(demos, "DIVERGED_LOSS", threshold)
    stopped = train(config)
    first_above = int(np.argmax(full.losses > threshold))
    assert stopped.diverged_at == first_above and stopped.accuracy is None
    np.testing.assert_array_equal(stopped.losses, full.losses[:first_above])
    # a loss equal to the threshold is not above it
    monkeypatch.setattr(demos, "DIVERGED_LOSS", float(full.losses.max()))
    assert train(config).diverged_at is None
