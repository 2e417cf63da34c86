"""The numpy character RNN: gradients against finite differences and autograd, Adagrad against
torch.optim.Adagrad, training on "Please", generation, and bad input."""

import numpy as np
import pytest
import torch

from rnn_helpers.char_rnn import (
    CHAR_RNN_KEYS,
    Adagrad,
    GradientDescent,
    char_rnn_backward,
    char_rnn_forward,
    char_rnn_loss,
    generate,
    init_char_rnn,
)
from rnn_helpers.gradcheck import numerical_gradient, relative_error
from rnn_helpers.losses import softmax
from rnn_helpers.training import prediction_table, train
from rnn_helpers.vocab import Vocabulary
from reference import torch_leaves

VOCAB = Vocabulary(list("Pleas"))
X = VOCAB.one_hot("Pleas")
TARGETS = VOCAB.encode("lease")


def autograd_char_rnn(params, x, targets, h0):
    """The model written out as an explicit torch loop (independent of torch.nn.RNN)."""
    leaves = torch_leaves({**params, "h0": h0})
    h, logits = leaves["h0"], []
    for t in range(x.shape[0]):
        x_t = torch.from_numpy(x[t])
        h = torch.tanh(leaves["weight_ih"] @ x_t + leaves["bias_ih"] + leaves["weight_hh"] @ h + leaves["bias_hh"])
        logits.append(leaves["weight_hy"] @ h + leaves["bias_y"])
    loss = torch.nn.functional.cross_entropy(torch.stack(logits), torch.from_numpy(targets), ignore_index=-1)
    loss.backward()
    return float(loss.detach()), {key: leaf.grad.numpy() for key, leaf in leaves.items()}


@pytest.mark.parametrize("hidden, seed", [(1, 0), (3, 1), (10, 2)])
@pytest.mark.parametrize("targets", [TARGETS, np.array([-1, -1, -1, -1, 2])])
def test_gradients_match_autograd_including_h0(hidden, seed, targets):
    params = init_char_rnn(5, hidden, seed)
    h0 = np.random.default_rng(seed).normal(size=hidden)
    probs, h, cache = char_rnn_forward(X, params, h0)
    from rnn_helpers.losses import softmax_cross_entropy

    loss, dlogits, _ = softmax_cross_entropy(cache["logits"], targets)
    grads = char_rnn_backward(dlogits, cache)
    expected_loss, expected = autograd_char_rnn(params, X, targets, h0)
    assert loss == pytest.approx(expected_loss, abs=1e-13)
    assert set(grads) == set(CHAR_RNN_KEYS) | {"h0"}
    for key, value in expected.items():
        np.testing.assert_allclose(grads[key], value, rtol=1e-9, atol=1e-12, err_msg=key)


def test_gradients_match_finite_differences():
    params = init_char_rnn(5, 4, 3)
    _, grads = char_rnn_loss(params, X, TARGETS)
    numeric = numerical_gradient(lambda p: char_rnn_loss(p, X, TARGETS)[0], params)
    for key in CHAR_RNN_KEYS:
        assert relative_error(grads[key], numeric[key]) < 1e-7, key


def test_a_broken_backward_would_be_caught():
    """Guard against a checker that cannot fail: dropping the recurrent term must show up."""
    params = init_char_rnn(5, 4, 3)
    _, grads = char_rnn_loss(params, X, TARGETS)
    _, only_last = char_rnn_loss(params, X, np.array([-1, -1, -1, -1, 2]))
    numeric = numerical_gradient(lambda p: char_rnn_loss(p, X, TARGETS)[0], params)
    assert relative_error(only_last["weight_hh"], numeric["weight_hh"]) > 1e-2
    assert relative_error(grads["weight_hh"], numeric["weight_hh"]) < 1e-7


def test_forward_probabilities_are_softmax_of_the_output_layer():
    params = init_char_rnn(5, 6, 4)
    probs, h, cache = char_rnn_forward(X, params)
    np.testing.assert_allclose(probs, softmax(h @ params["weight_hy"].T + params["bias_y"]))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert h.shape == (5, 6) and probs.shape == (5, 5)


def test_the_state_meeting_l_summarises_p():
    """h_1 is tanh(W_xh x_P + b): a hidden-size vector, not the one-hot letter P."""
    params = init_char_rnn(5, 7, 5)
    _, h, _ = char_rnn_forward(X, params)
    expected = np.tanh(params["weight_ih"][:, 0] + params["bias_ih"] + params["bias_hh"])
    np.testing.assert_allclose(h[0], expected)


def assert_steps_like_torch(ours, theirs, lr, steps, seed):
    """``steps`` updates of our optimizer class and of torch's, from the same parameters and
    the same random gradients, end at the same parameters."""
    params = init_char_rnn(5, 4, 6)
    leaves = {key: torch.tensor(value.copy(), requires_grad=True) for key, value in params.items()}
    reference = theirs(list(leaves.values()), lr=lr)
    optimizer = ours(params, lr=lr)
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        grads = {key: rng.normal(size=value.shape) for key, value in params.items()}
        optimizer.step(params, grads)
        for key, leaf in leaves.items():
            leaf.grad = torch.from_numpy(grads[key].copy())
        reference.step()
    for key, leaf in leaves.items():
        np.testing.assert_allclose(params[key], leaf.detach().numpy(), rtol=0, atol=1e-14, err_msg=key)
    return params


def test_adagrad_matches_torch_optim_adagrad_over_several_steps():
    assert_steps_like_torch(Adagrad, torch.optim.Adagrad, lr=0.1, steps=5, seed=0)


def test_gradient_descent_matches_torch_optim_sgd_and_checks_its_input():
    params = assert_steps_like_torch(GradientDescent, torch.optim.SGD, lr=0.5, steps=3, seed=1)
    optimizer = GradientDescent(params, lr=0.5)
    with pytest.raises(ValueError, match=r"lr must be a positive finite number; got -1"):
        GradientDescent(params, lr=-1)
    with pytest.raises(ValueError, match=r"grads must have the keys"):
        optimizer.step(params, {"weight_ih": params["weight_ih"]})
    before = {key: value.copy() for key, value in params.items()}
    bad = {key: np.zeros_like(value) for key, value in params.items()}
    bad["bias_y"] = bad["bias_y"][:2]
    with pytest.raises(ValueError, match=r"grads\['bias_y'\]"):
        optimizer.step(params, bad)
    for key in params:  # nothing was changed by the failed step
        np.testing.assert_array_equal(params[key], before[key])


def test_training_reaches_p_e_above_0_9_and_is_deterministic():
    def run():
        params = init_char_rnn(5, 10, 0)
        lines = []
        history = train(lambda p: char_rnn_loss(p, X, TARGETS), params, Adagrad(params, 0.1), 30,
                        log_every=10, track={"p": lambda p: char_rnn_forward(X, p)[0][-1, 2]}, out=lines.append)
        return params, history, lines

    params, history, lines = run()
    assert history.tracked["p"][-1] > 0.9
    assert history.losses[-1] < 0.5 * history.losses[0]
    again = run()
    assert lines == again[2] and len(lines) == 4
    for key in CHAR_RNN_KEYS:
        np.testing.assert_array_equal(params[key], again[0][key])
    assert generate(params, VOCAB, "P", 4) == "Pleas"


def test_sampling_is_reproducible_with_a_seed():
    params = init_char_rnn(5, 10, 1)
    text = generate(params, VOCAB, "Pl", 20, mode="sample", seed=3)
    assert text.startswith("Pl") and len(text) == 22
    assert text == generate(params, VOCAB, "Pl", 20, mode="sample", seed=3)
    assert len({generate(params, VOCAB, "P", 20, mode="sample", seed=s) for s in range(5)}) > 1


def test_sampling_draws_each_character_from_the_predicted_distribution():
    """Values: replay the draws with the probabilities of the whole text read at once."""
    params = init_char_rnn(5, 10, 1)
    text = generate(params, VOCAB, "Pl", 20, mode="sample", seed=3)
    probs, _, _ = char_rnn_forward(VOCAB.one_hot(text[:-1]), params)
    rng = np.random.default_rng(3)
    replay = [VOCAB.decode([int(rng.choice(5, p=probs[t]))])[0] for t in range(1, len(text) - 1)]
    assert "".join(replay) == text[2:]
    # one long text: how often each character was drawn matches the probabilities the model gave
    # at the positions it was drawn from (larger weights: far from uniform, so uniform draws fail)
    params = {key: 4.0 * value for key, value in params.items()}
    text = generate(params, VOCAB, "P", 1500, mode="sample", seed=0)
    probs = char_rnn_forward(VOCAB.one_hot(text[:-1]), params)[0]
    drawn = np.bincount(VOCAB.encode(text[1:]), minlength=5) / 1500
    np.testing.assert_allclose(drawn, probs.mean(axis=0), atol=0.03)


def test_memory_tells_the_two_e_of_please_apart_and_generation_stops_at_the_end_mark():
    vocab = Vocabulary(list("Pleas."))
    x, targets = vocab.one_hot("Please"), vocab.encode("lease.")
    params = init_char_rnn(6, 10, 0)
    history = train(lambda p: char_rnn_loss(p, x, targets), params, Adagrad(params, 0.1), 100,
                    track={"worst": lambda p: char_rnn_forward(x, p)[0][np.arange(6), targets].min()},
                    stop_when=lambda h: h.tracked["worst"][-1] > 0.9)
    assert history.updates < 100 and history.tracked["worst"][-1] > 0.9
    assert len(history.losses) == history.updates + 1
    assert generate(params, vocab, "P", 30, stop=".") == "Please."


def test_prediction_table_lists_every_step_and_the_probability_of_the_next_token():
    probs = np.full((2, 5), 0.2)
    probs[1] = [0.0, 0.0, 0.9, 0.1, 0.0]
    table = prediction_table(probs, VOCAB.tokens, ["a", "s"], ["s", "e"])
    lines = table.splitlines()
    assert len(lines) == 3 and lines[0].split() == ["step", "read", "P", "l", "e", "a", "s", "next", "p(next)"]
    assert lines[2].split() == ["2", "s", "0.00", "0.00", "0.90", "0.10", "0.00", "e", "0.90"]
    with pytest.raises(ValueError, match=r"targets must be tokens of"):
        prediction_table(probs, VOCAB.tokens, ["a", "s"], ["s", "x"])
    with pytest.raises(ValueError, match=r"inputs \(and targets\) 2"):
        prediction_table(probs, VOCAB.tokens, ["a"])


@pytest.mark.parametrize(
    "call, error, pattern",
    [
        (lambda p: char_rnn_forward(X[:, :4], p), ValueError, r"x must have 5 features"),
        (lambda p: char_rnn_forward(X[:, None, :], p), ValueError, r"x must be 2-D \(T, V\)"),
        (lambda p: char_rnn_forward(X, {**p, "weight_hy": np.zeros((4, 3))}), ValueError,
         r"params\['weight_hy'\] must have shape \(5, 3\)"),
        (lambda p: char_rnn_forward(X, {**p, "bias_y": np.zeros(4)}), ValueError, r"params\['bias_y'\] must have shape \(5,\)"),
        (lambda p: char_rnn_forward(X, {k: v for k, v in p.items() if k != "bias_y"}), ValueError, r"missing \['bias_y'\]"),
        (lambda p: char_rnn_loss(p, X, TARGETS[:4]), ValueError, r"targets must have shape \(5,\)"),
        (lambda p: char_rnn_loss(p, X, np.array([1, 2, 3, 4, 9])), ValueError, r"indices from 0 to 4 .* got 9"),
        (lambda p: char_rnn_backward(np.zeros((4, 5)), char_rnn_forward(X, p)[2]), ValueError, r"dlogits must have shape \(5, 5\)"),
        (lambda p: generate(p, VOCAB, "P", 3, mode="sample"), ValueError, r"give a seed"),
        (lambda p: generate(p, VOCAB, "P", 3, mode="beam"), ValueError, r"mode must be one of \['argmax', 'sample'\]"),
        (lambda p: generate(p, VOCAB, "Px", 3), ValueError, r"'x' is not in the vocabulary"),
        (lambda p: generate(p, Vocabulary(list("Pleas.")), "P", 3), ValueError, r"vocab has 6 tokens but the model reads 5"),
        (lambda p: Adagrad(p, lr=-1), ValueError, r"lr must be a positive finite number; got -1"),
        (lambda p: Adagrad(p).step(p, {"weight_ih": p["weight_ih"]}), ValueError, r"grads must have the keys"),
        (lambda p: init_char_rnn(5, 0, 0), ValueError, r"hidden_size must be a positive integer; got 0"),
    ],
)
def test_bad_input_is_refused(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call(init_char_rnn(5, 3, 0))


def test_state_gradient_norms_match_autograd_and_never_reach_forward():
    from rnn_helpers.char_rnn import state_gradient_norms

    params = init_char_rnn(5, 4, 11)
    norms = state_gradient_norms(params, X, TARGETS)
    leaves = torch_leaves(params)
    h, states, losses = torch.zeros(4, dtype=torch.float64), [], []
    for t in range(5):
        h = torch.tanh(leaves["weight_ih"] @ torch.from_numpy(X[t]) + leaves["bias_ih"]
                       + leaves["weight_hh"] @ h + leaves["bias_hh"])
        h.retain_grad()
        states.append(h)
        logits = leaves["weight_hy"] @ h + leaves["bias_y"]
        losses.append(-torch.log_softmax(logits, 0)[TARGETS[t]])
    for t in range(5):
        for state in states:
            state.grad = None
        losses[t].backward(retain_graph=True)
        for k in range(5):
            expected = 0.0 if k > t else float(states[k].grad.norm())
            assert norms[t, k] == pytest.approx(expected, abs=1e-12), (t, k)
    assert np.all(np.triu(norms, 1) == 0) and np.all(np.diag(norms) > 0)


def test_snapshots_keep_copies_of_the_parameters():
    params = init_char_rnn(5, 3, 0)
    start = {key: value.copy() for key, value in params.items()}
    history = train(lambda p: char_rnn_loss(p, X, TARGETS), params, Adagrad(params, 0.1), 3, snapshots=[0, 2])
    assert sorted(history.snapshots) == [0, 2]
    np.testing.assert_array_equal(history.snapshots[0]["weight_hh"], start["weight_hh"])
    assert not np.array_equal(history.snapshots[2]["weight_hh"], params["weight_hh"])  # 3 updates ran
    assert history.updates == 3 and len(history.losses) == 4


def test_prediction_frames_give_one_png_per_step_of_training_and_differ():
    import matplotlib

    matplotlib.use("Agg")
    from rnn_helpers.training import prediction_frames

    rng = np.random.default_rng(0)
    series = [rng.dirichlet(np.ones(5), 5) for _ in range(3)]
    pngs = prediction_frames(series, VOCAB.tokens, list("Pleas"), list("lease"), ["a", "b", "c"], dpi=40)
    assert len(pngs) == 3 and all(png.startswith(b"\x89PNG") for png in pngs)
    assert len(set(pngs)) == 3
    with pytest.raises(ValueError, match=r"same length; got 3 and 2"):
        prediction_frames(series, VOCAB.tokens, list("Pleas"), list("lease"), ["a", "b"])
    with pytest.raises(ValueError, match=r"probs has shape \(4, 5\)"):
        prediction_frames([series[0][:4]], VOCAB.tokens, list("Pleas"), list("lease"), ["a"])


def test_prediction_frames_in_rows_for_narrow_screens():
    import io

    import matplotlib
    from PIL import Image

    matplotlib.use("Agg")
    from rnn_helpers.training import prediction_frames

    rng = np.random.default_rng(0)
    series = [rng.dirichlet(np.ones(5), 5) for _ in range(2)]
    sizes = {}
    for columns in (None, 3):
        pngs = prediction_frames(series, VOCAB.tokens, list("Pleas"), list("lease"), ["a", "b"],
                                 dpi=40, ruler=["0", "1"], ruler_name="updates:", columns=columns)
        assert len(pngs) == 2 and len(set(pngs)) == 2
        sizes[columns] = Image.open(io.BytesIO(pngs[0])).size
    (wide_w, wide_h), (grid_w, grid_h) = sizes[None], sizes[3]
    assert grid_w < wide_w and grid_h > wide_h        # narrower and taller: two rows of charts
    for bad in (0, 2.5, -1):
        with pytest.raises(ValueError, match=r"columns must be a positive whole number"):
            prediction_frames(series, VOCAB.tokens, list("Pleas"), list("lease"), ["a", "b"], columns=bad)


def test_prediction_frames_ruler_marks_each_frames_value():
    import matplotlib

    matplotlib.use("Agg")
    from rnn_helpers.training import prediction_frames

    rng = np.random.default_rng(1)
    series = [rng.dirichlet(np.ones(5), 5)] * 2  # the same bars: only the ruler differs
    pngs = prediction_frames(series, VOCAB.tokens, list("Pleas"), list("lease"), ["t", "t"], dpi=40,
                             ruler=["0", "12"], ruler_name="updates:")
    assert pngs[0] != pngs[1]
    with pytest.raises(ValueError, match=r"ruler must have one label per frame \(2\); got 1"):
        prediction_frames(series, VOCAB.tokens, list("Pleas"), list("lease"), ["t", "t"], ruler=["0"])


def test_plot_hidden_states_checks_its_labels():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from rnn_helpers.training import plot_hidden_states

    ax = plot_hidden_states(np.zeros((5, 3)), list("Pleas"))
    assert [label.get_text() for label in ax.get_xticklabels()] == ["1: P", "2: l", "3: e", "4: a", "5: s"]
    plt.close("all")
    with pytest.raises(ValueError, match=r"inputs must have 5 entries"):
        plot_hidden_states(np.zeros((5, 3)), list("Plea"))
    with pytest.raises(ValueError, match=r"h must be 2-D"):
        plot_hidden_states(np.zeros(5), list("Pleas"))


def test_plot_training_curves_draws_both_panels_and_refuses_unknown_quantities():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from rnn_helpers.training import History, plot_training_curves

    history = History(losses=[1.8, 1.2, 0.6, 0.3], tracked={"p": [0.2, 0.5, 0.85, 0.95]}, updates=3)
    fig = plot_training_curves(history, "p", ylabel="p(e)", title="Probability of e", threshold=0.9,
                               baseline=np.log(5), baseline_label="uniform guess")
    ax_loss, ax_p = fig.axes
    np.testing.assert_allclose(ax_loss.lines[0].get_ydata(), history.losses)
    np.testing.assert_allclose(ax_p.lines[0].get_ydata(), history.tracked["p"])
    assert ax_loss.lines[1].get_ydata()[0] == pytest.approx(np.log(5))  # the baseline
    assert ax_p.lines[1].get_ydata()[0] == pytest.approx(0.9)  # the threshold
    assert [t.get_text() for t in ax_loss.texts] == ["uniform guess"]
    assert ax_p.get_title() == "Probability of e" and ax_p.get_ylim() == (0, 1.02)
    plt.close("all")
    with pytest.raises(ValueError, match=r"history tracked \['p'\], not 'q'"):
        plot_training_curves(history, "q", ylabel="q", title="q")
    with pytest.raises(TypeError, match="history must be the History returned by train"):
        plot_training_curves({"losses": [1.0]}, "p", ylabel="p", title="p")
    with pytest.raises(ValueError, match="history holds no updates"):
        plot_training_curves(History(tracked={"p": []}), "p", ylabel="p", title="p")
