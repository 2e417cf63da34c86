"""The long-lag task, its models, the training loop and the experiment table (chapter 5)."""

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from rnn_helpers import lstm_forward, params_from_torch, rnn_forward
from rnn_helpers.activations import sigmoid
from rnn_helpers.long_lag import (
    DEFAULT_HIDDEN,
    TEST_SEED,
    Experiment,
    ModelSpec,
    TrainConfig,
    count_parameters,
    default_workers,
    describe_memory_unit,
    long_lag_batch,
    lstm_gate_traces,
    make_model,
    memory_unit,
    plot_gate_heatmaps,
    plot_results,
    plot_task_example,
    plot_training_losses,
    results_table,
    run_experiment,
    test_accuracy,
    test_set,
    train_model,
)


def rng(seed=0):
    return np.random.default_rng(seed)


# --- data -------------------------------------------------------------------------------


def test_batch_layout_marker_and_target():
    x, y = long_lag_batch(7, 300, rng())
    assert x.shape == (7, 300, 2) and x.dtype == np.float32
    assert y.shape == (300,) and y.dtype == np.float32
    assert set(np.unique(x[:, :, 0])) == {-1.0, 1.0}
    np.testing.assert_array_equal(x[0, :, 1], 1.0)  # the marker is on at step 1 ...
    np.testing.assert_array_equal(x[1:, :, 1], 0.0)  # ... and off everywhere else
    np.testing.assert_array_equal(y, (x[0, :, 0] > 0).astype(np.float32))  # the answer is the first value


def test_batches_are_seeded_balanced_and_distractions_are_independent_of_the_answer():
    x1, y1 = long_lag_batch(5, 20_000, rng(3))
    x2, y2 = long_lag_batch(5, 20_000, rng(3))
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(long_lag_batch(5, 50, rng(4))[0], x1[:, :50])
    assert abs(y1.mean() - 0.5) < 0.02
    # A distraction says nothing about the answer: its agreement with the bit is at chance.
    agreement = np.mean((x1[1:, :, 0] > 0) == (y1 > 0.5), axis=1)
    assert np.all(np.abs(agreement - 0.5) < 0.02)


def test_test_set_is_fixed_and_differs_from_training_batches():
    x, y = test_set(6)
    np.testing.assert_array_equal(x, long_lag_batch(6, x.shape[1], np.random.default_rng(TEST_SEED))[0])
    assert not np.array_equal(x, long_lag_batch(6, x.shape[1], rng(0))[0])


@pytest.mark.parametrize(
    "args, error, pattern",
    [
        ((0, 4, rng()), ValueError, r"lag must be from 1 to 1000, got 0"),
        ((5.0, 4, rng()), TypeError, r"lag must be a whole number, got float"),
        ((5, True, rng()), TypeError, r"batch must be a whole number, got bool"),
        ((5, 4, 0), TypeError, r"rng must be a numpy.random.Generator .* got int"),
    ],
)
def test_batch_refuses_bad_input(args, error, pattern):
    with pytest.raises(error, match=pattern):
        long_lag_batch(*args)


# --- models -----------------------------------------------------------------------------


def test_default_sizes_give_about_equal_parameter_counts():
    counts = {kind: count_parameters(make_model(kind)) for kind in DEFAULT_HIDDEN}
    assert counts == {"rnn": 1185, "lstm": 1297, "gru": 1207}  # recurrent layer + read-out, by the formulas
    hidden = DEFAULT_HIDDEN
    assert counts["rnn"] == hidden["rnn"] * (2 + hidden["rnn"] + 2) + hidden["rnn"] + 1
    assert counts["lstm"] == 4 * hidden["lstm"] * (2 + hidden["lstm"] + 2) + hidden["lstm"] + 1
    assert max(counts.values()) / min(counts.values()) < 1.10


def test_forward_gives_one_logit_per_sequence():
    x, _ = long_lag_batch(4, 9, rng())
    for kind in DEFAULT_HIDDEN:
        assert make_model(kind)(torch.from_numpy(x)).shape == (9,)


def test_forward_reads_out_the_last_state_of_the_numpy_rnn_and_lstm():
    """Values: the logit is W_hy h_T + b of the numpy forward pass with the model's weights."""
    x, _ = long_lag_batch(4, 9, rng(3))
    for kind, forward in (("rnn", rnn_forward), ("lstm", lstm_forward)):
        model = make_model(kind, seed=2)
        h = forward(x, params_from_torch(model.recurrent))[0]
        weight = model.readout.weight.detach().double().numpy()
        expected = h[-1] @ weight[0] + float(model.readout.bias.detach())
        with torch.no_grad():
            logits = model(torch.from_numpy(x)).double().numpy()
        np.testing.assert_allclose(logits, expected, rtol=1e-5, atol=1e-6)
        assert not np.allclose(logits, h[0] @ weight[0] + float(model.readout.bias.detach()), atol=1e-3)


def test_forget_bias_sets_the_lstm_forget_gate():
    """With zero input and zero state every gate is sigmoid(its bias): the forget gate must be sigmoid(3)."""
    model = make_model("lstm", keep_bias=3.0)
    traces = lstm_gate_traces(model, np.zeros((1, 1, 2)))
    np.testing.assert_allclose(traces["f"][0, 0], sigmoid(np.full(16, 3.0)), rtol=1e-6)
    # The other gates keep PyTorch's initialisation: the same as a model built without keep_bias.
    plain = make_model("lstm")
    for gate in (0, 2, 3):
        block = slice(16 * gate, 16 * (gate + 1))
        np.testing.assert_array_equal(model.recurrent.bias_ih_l0.detach()[block], plain.recurrent.bias_ih_l0.detach()[block])


def test_keep_bias_sets_the_gru_update_gate():
    """GRU with x = 0 and h0 = 0: h_1 = (1 - z) * tanh(b_in + r * b_hn) with z = sigmoid(keep_bias)."""
    model = make_model("gru", keep_bias=3.0)
    layer = model.recurrent
    with torch.no_grad():
        h, _ = layer(torch.zeros(1, 1, 2))
    b_ih, b_hh = layer.bias_ih_l0.detach().double(), layer.bias_hh_l0.detach().double()
    hidden = DEFAULT_HIDDEN["gru"]
    r = torch.sigmoid(b_ih[:hidden] + b_hh[:hidden])
    z = torch.sigmoid(b_ih[hidden:2 * hidden] + b_hh[hidden:2 * hidden])
    n = torch.tanh(b_ih[2 * hidden:] + r * b_hh[2 * hidden:])
    np.testing.assert_allclose(z.numpy(), sigmoid(np.full(hidden, 3.0)), rtol=1e-6)
    np.testing.assert_allclose(h[0, 0].double().numpy(), ((1 - z) * n).numpy(), rtol=1e-5, atol=1e-7)


def test_same_seed_same_weights():
    a, b = make_model("lstm", seed=4), make_model("lstm", seed=4)
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)
    assert not torch.equal(next(make_model("lstm", seed=5).parameters()), next(a.parameters()))


@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        ({"kind": "transformer"}, ValueError, r"kind must be one of \['rnn', 'lstm', 'gru'\], got 'transformer'"),
        ({"kind": "rnn", "keep_bias": 1.0}, ValueError, r"only 'lstm' and 'gru' have"),
        ({"kind": "lstm", "keep_bias": float("nan")}, ValueError, r"keep_bias must be a finite number"),
        ({"kind": "lstm", "keep_bias": "3"}, TypeError, r"keep_bias must be a real number, got str"),
        ({"kind": "lstm", "hidden": 0}, ValueError, r"hidden must be from 1 to 4096, got 0"),
    ],
)
def test_make_model_refuses_bad_input(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        make_model(**kwargs)


# --- training and scoring ---------------------------------------------------------------


def hand_built_memory():
    """A one-unit LSTM set by hand to solve the task: write the value when the marker is on, then hold."""
    model = make_model("lstm", hidden=1)
    with torch.no_grad():
        layer = model.recurrent
        layer.weight_hh_l0.zero_()
        layer.bias_hh_l0.zero_()
        #                       value  marker            gate
        layer.weight_ih_l0.copy_(torch.tensor([[0.0, 20.0],  # i: open only at the marker
                                               [0.0, 0.0],   # f: held at sigmoid(12) by its bias
                                               [5.0, 0.0],   # g: the value, squashed
                                               [0.0, 0.0]])) # o: open
        layer.bias_ih_l0.copy_(torch.tensor([-10.0, 12.0, 0.0, 10.0]))
        model.readout.weight.fill_(1.0)
        model.readout.bias.zero_()
    return model


def test_accuracy_of_a_hand_built_memory_and_of_a_constant_guess():
    assert test_accuracy(hand_built_memory(), 50) == 1.0
    constant = make_model("lstm")
    with torch.no_grad():
        constant.readout.weight.zero_()
        constant.readout.bias.fill_(1.0)  # always answers +1
    _, y = test_set(50)
    assert test_accuracy(constant, 50) == pytest.approx(float(np.mean(y)))
    assert abs(test_accuracy(constant, 50) - 0.5) < 0.05


def test_training_is_deterministic_and_restores_the_thread_count():
    config = TrainConfig(steps=25, patience=1000)
    threads = torch.get_num_threads()
    first = train_model(make_model("lstm"), 4, config, seed=1)
    second = train_model(make_model("lstm"), 4, config, seed=1)
    assert first.losses == second.losses and len(first.losses) == 25
    assert torch.get_num_threads() == threads
    assert train_model(make_model("lstm"), 4, config, seed=2).losses != first.losses


def test_training_takes_the_updates_of_torch_adam_with_clipping():
    """Values: three updates equal torch.optim.Adam after clip_grad_norm_ on the same batches."""
    config = TrainConfig(steps=3, batch=8, clip=0.05, patience=1000)
    model = make_model("gru", seed=5)
    reference = make_model("gru", seed=5)
    result = train_model(model, 4, config, seed=3)
    optimizer = torch.optim.Adam(reference.parameters(), lr=config.lr)
    batches, losses, clipped = np.random.default_rng(3), [], 0
    for _ in range(3):
        x, y = (torch.from_numpy(a) for a in long_lag_batch(4, config.batch, batches))
        loss = torch.nn.functional.binary_cross_entropy_with_logits(reference(x), y)
        optimizer.zero_grad()
        loss.backward()
        clipped += bool(torch.nn.utils.clip_grad_norm_(reference.parameters(), config.clip) > config.clip)
        optimizer.step()
        losses.append(loss.item())
    np.testing.assert_allclose(result.losses, losses, rtol=1e-5)
    assert result.clipped == clipped == 3 and result.updates == 3 and not result.stopped_early
    for p, q in zip(model.parameters(), reference.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-4, atol=1e-6)


def test_lstm_with_forget_bias_learns_a_short_lag_and_stops_early():
    model = make_model("lstm", keep_bias=3.0)
    result = train_model(model, 5, TrainConfig(steps=400))
    assert result.stopped_early and result.updates < 400
    assert test_accuracy(model, 5) > 0.95
    assert result.losses[-1] < result.losses[0] / 5


def test_train_model_refuses_bad_input():
    with pytest.raises(ValueError, match=f"seed {TEST_SEED} draws the test set"):
        train_model(make_model("rnn"), 3, seed=TEST_SEED)
    with pytest.raises(TypeError, match="config must be a TrainConfig, got dict"):
        train_model(make_model("rnn"), 3, {"steps": 3})
    with pytest.raises(TypeError, match="model must come from make_model"):
        train_model(torch.nn.Linear(2, 1), 3)
    with pytest.raises(ValueError, match=r"steps must be from 1 to 100000, got 0"):
        TrainConfig(steps=0)
    with pytest.raises(ValueError, match=r"lr must be a finite number in \(0.0, 1.0\], got 0.0"):
        TrainConfig(lr=0.0)


# --- experiment and table ---------------------------------------------------------------

SPECS = {"tanh RNN": ModelSpec("rnn"), "LSTM, forget bias 3": ModelSpec("lstm", keep_bias=3.0)}


def small_experiment(lines=None, skip=None):
    return run_experiment(SPECS, [2, 3], TrainConfig(steps=15), progress=None if lines is None else lines.append,
                          skip=skip)


def test_experiment_runs_every_pair_prints_one_line_each_and_repeats_exactly():
    lines_a, lines_b = [], []
    a, b = small_experiment(lines_a), small_experiment(lines_b)
    assert [(r["model"], r["lag"]) for r in a.rows] == [(m, lag) for lag in (2, 3) for m in SPECS]
    assert lines_a == lines_b and len(lines_a) == 4
    for row, line in zip(a.rows, lines_a):
        assert line.startswith(f"lag {row['lag']:2d} | {row['model']}")
        assert f"test accuracy {100 * row['accuracy']:5.1f} %" in line
        assert line.endswith(f"solved at update {row['updates']}" if row["solved"] else f"unsolved after {row['updates']}")
    assert a.rows == b.rows
    assert {r["parameters"] for r in a.rows} == {1185, 1297}
    assert a.accuracy("tanh RNN", 3) == a.rows[2]["accuracy"]
    with pytest.raises(KeyError, match="no run for model 'GRU' at lag 2"):
        a.accuracy("GRU", 2)


def test_two_workers_give_the_same_rows_lines_losses_and_weights_as_one():
    # Three contenders at three lags: nine runs, so the two threads overlap many times,
    # including while models are being created (make_model seeds the process-wide generator).
    specs = dict(SPECS, **{"LSTM, default init": ModelSpec("lstm")})
    threads_before, outcomes = torch.get_num_threads(), []
    for workers in (1, 2):
        lines = []
        experiment = run_experiment(specs, [2, 3, 4], TrainConfig(steps=12), progress=lines.append, workers=workers)
        outcomes.append((experiment, lines))
    (serial, serial_lines), (threaded, threaded_lines) = outcomes
    assert threaded.rows == serial.rows and threaded_lines == serial_lines and len(serial_lines) == 9
    assert threaded.losses == serial.losses
    for key, model in serial.models.items():
        for (name, a), b in zip(model.state_dict().items(), threaded.models[key].state_dict().values()):
            assert torch.equal(a, b), f"{key} {name} differs between 1 and 2 workers"
    assert torch.get_num_threads() == threads_before
    assert default_workers() in (1, 2)


def test_clipped_updates_are_counted():
    model = make_model("rnn", hidden=4)
    tight = train_model(model, 3, TrainConfig(steps=5, clip=1e-6), seed=1)
    assert tight.clipped == 5  # every gradient is larger than 1e-6
    loose = train_model(make_model("rnn", hidden=4), 3, TrainConfig(steps=5, clip=1e6), seed=1)
    assert loose.clipped == 0
    with pytest.raises(ValueError, match="workers must be from 1 to 16, got 0"):
        run_experiment(SPECS, [2], workers=0)
    with pytest.raises(TypeError, match="workers must be a whole number, got float 2.0"):
        run_experiment(SPECS, [2], workers=2.0)


def test_results_table_has_one_row_per_lag_and_marks_skipped_runs():
    experiment = small_experiment(skip=lambda label, lag: label.startswith("LSTM") and lag == 2)
    table = results_table(experiment).splitlines()
    assert table[0] == "| lag T | tanh RNN (1,185 params) | LSTM, forget bias 3 (1,297 params) |"
    assert len(table) == 4 and table[2].startswith("| 2 | ") and table[2].endswith(" | – |")
    row = experiment.rows[-1]
    assert table[3].endswith(f" {100 * row['accuracy']:.1f} % |")
    html_table = results_table(experiment, fmt="html")
    assert html_table.startswith('<table class="long-lag-results"><caption>')
    assert html_table.count("<tr>") == 3 and html_table.count('<th scope="row">') == 2
    assert '<th scope="col">tanh RNN (1,185\u00a0params)</th>' in html_table and "<td>–</td>" in html_table
    assert '<th scope="col">lag\u00a0T</th>' in html_table  # no line break inside
    assert f"<td>{100 * row['accuracy']:.1f} %</td></tr></tbody>" in html_table
    whole = results_table(experiment, decimals=0).splitlines()
    assert whole[3].endswith(f" {100 * row['accuracy']:.0f} % |")
    with pytest.raises(ValueError, match="decimals must be from 0 to 3, got 4"):
        results_table(experiment, decimals=4)
    with pytest.raises(ValueError, match="at least one run"):
        results_table(Experiment())
    with pytest.raises(ValueError, match=r"fmt must be one of \['markdown', 'html'\], got 'latex'"):
        results_table(experiment, fmt="latex")
    with pytest.raises(ValueError, match="missing runs"):
        plot_results(experiment)


def test_run_experiment_refuses_bad_specs():
    with pytest.raises(TypeError, match=r"specs\['x'\] must be a ModelSpec, got str"):
        run_experiment({"x": "lstm"}, [3])
    with pytest.raises(ValueError, match="lags must hold at least one lag"):
        run_experiment(SPECS, [])


# --- inside a trained LSTM, and the pictures --------------------------------------------


def test_gate_traces_match_torch_and_obey_the_cell_update():
    model = hand_built_memory()
    x, y = test_set(12, 40)
    traces = lstm_gate_traces(model, x)
    assert traces["max_diff_vs_torch"] < 1e-5
    for name in "ifo":
        assert traces[name].shape == (12, 40, 1) and traces[name].min() > 0 and traces[name].max() < 1
    c_before = np.concatenate([np.zeros((1, 40, 1)), traces["c"][:-1]])
    np.testing.assert_allclose(traces["c"], traces["f"] * c_before + traces["i"] * traces["g"], atol=1e-12)
    unit, correlation = memory_unit(traces, y)
    assert unit == 0 and correlation > 0.99
    with pytest.raises(ValueError, match="must be an LSTM classifier"):
        lstm_gate_traces(make_model("gru"), x)


def test_memory_unit_finds_the_unit_that_carries_the_answer():
    rng_ = rng(1)
    y = rng_.integers(0, 2, 200).astype(float)
    c = rng_.normal(size=(3, 200, 5))
    c[-1, :, 3] = (2 * y - 1) * 2 + 0.1 * rng_.normal(size=200)
    unit, correlation = memory_unit({"c": c}, y)
    assert unit == 3 and correlation > 0.95
    with pytest.raises(ValueError, match=r"y must have one target per sequence"):
        memory_unit({"c": c}, y[:10])


def test_pictures_show_what_they_claim():
    x, y = long_lag_batch(10, 1, rng(2))
    ax = plot_task_example(x[:, 0], y[0])
    heights = [patch.get_height() for patch in ax.patches]
    np.testing.assert_array_equal(sorted(heights), sorted(x[:, 0, 0]))  # one bar per step, at its value
    assert any("answer due after step 10" in text.get_text() for text in ax.texts)
    plt.close("all")

    experiment = small_experiment()
    ax = plot_results(experiment)
    bars = sorted(ax.patches, key=lambda patch: patch.get_x())
    assert len(bars) == 4
    expected = [100 * experiment.accuracy(label, lag) for lag in (2, 3) for label in SPECS]
    np.testing.assert_allclose([bar.get_height() for bar in bars], expected)
    plt.close("all")

    x, y = test_set(8, 6)
    assert 0 < y.sum() < 6  # both answers, so that the gap is defined
    traces = lstm_gate_traces(hand_built_memory(), x)
    fig = plot_gate_heatmaps(traces, y, unit=0, lines=6)
    assert len(fig.axes) == 5  # f, the gap, the cell state, two colour bars
    forget, gap = fig.axes[0].images[0].get_array(), fig.axes[1].images[0].get_array()
    np.testing.assert_allclose(forget, traces["f"].mean(axis=1).T)  # rows are units
    plus = y > 0.5
    expected = traces["c"][:, plus].mean(axis=1) - traces["c"][:, ~plus].mean(axis=1)
    np.testing.assert_allclose(gap, expected.T)
    assert gap[0, -1] > 1.8  # the hand-built unit keeps about +1 against -1
    assert fig.axes[1].images[0].get_clim() == (-np.abs(expected).max(), np.abs(expected).max())
    assert len(fig.axes[2].lines) >= 6
    for ax in fig.axes[:2]:  # every heatmap labels its steps
        assert list(ax.get_xticks()) == [1, 5]
        assert all(label.get_visible() for label in ax.get_xticklabels())
    plt.close(fig)
    with pytest.raises(ValueError, match=r"with both answers"):
        plot_gate_heatmaps(traces, np.ones(6), unit=0)
    with pytest.raises(ValueError, match=r"x must have 2 features"):
        plot_task_example(np.zeros((5, 3)), 1)


def test_describe_memory_unit_on_the_hand_built_memory():
    x, y = test_set(12, 60)
    traces = lstm_gate_traces(hand_built_memory(), x)
    summary = describe_memory_unit(traces, x, y, 0)
    step1, later = summary["gate_means"]["i"]
    assert step1 > 0.99 and later < 1e-3  # the input gate opens at the marker only
    assert summary["gate_means"]["f"][1] == pytest.approx(float(sigmoid(np.array([12.0]))[0]))
    assert abs(summary["candidate_vs_input"]) > 0.99  # this unit's candidate copies the input ...
    assert abs(summary["candidate_vs_bit"]) < 0.5  # ... and not the remembered bit
    plus, minus = summary["cell_by_bit"][12]
    assert plus > 0.9 and minus < -0.9 and set(summary["cell_by_bit"]) == {1, 10, 12}
    assert summary["units_that_know"] == 1
    with pytest.raises(ValueError, match="x and y must match the traces"):
        describe_memory_unit(traces, x[:, :5], y, 0)
    with pytest.raises(ValueError, match="unit must be from 0 to 0, got 1"):
        describe_memory_unit(traces, x, y, 1)


def test_training_loss_plot_has_one_line_per_run():
    ax = plot_training_losses({"a": [0.7, 0.5, 0.1], "b": [0.7, 0.69]})
    assert [line.get_label() for line in ax.lines[:2]] == ["a", "b"]
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [0.7, 0.5, 0.1])
    plt.close("all")
    with pytest.raises(ValueError, match=r"losses\['a'\] must be a non-empty list"):
        plot_training_losses({"a": []})


def test_written_out_adam_matches_torch_optim_adam_update_by_update():
    from rnn_helpers.long_lag import Adam

    ours, theirs = make_model("lstm", seed=3), make_model("lstm", seed=3)
    opt_ours, opt_theirs = Adam(ours.parameters(), lr=3e-3), torch.optim.Adam(theirs.parameters(), lr=3e-3)
    data = np.random.default_rng(9)
    for _ in range(15):
        x, y = long_lag_batch(6, 16, data)
        for model, optimizer in ((ours, opt_ours), (theirs, opt_theirs)):
            optimizer.zero_grad()
            torch.nn.functional.binary_cross_entropy_with_logits(model(torch.from_numpy(x)), torch.from_numpy(y)).backward()
            optimizer.step()
    for p, q in zip(ours.parameters(), theirs.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-6, atol=1e-7)
    assert not torch.equal(next(ours.parameters()), next(make_model("lstm", seed=3).parameters()))  # it did move
    with pytest.raises(ValueError, match=r"lr must be a finite number in \(0.0, 1.0\]"):
        Adam(ours.parameters(), lr=-1.0)


@pytest.mark.parametrize("unit, lines, error, message", [
    (-1, 12, ValueError, "unit must be from 0 to 2, got -1"),
    (3, 12, ValueError, "unit must be from 0 to 2, got 3"),
    (1.5, 12, TypeError, "unit must be a whole number, got float 1.5"),
    (0, 0, ValueError, "lines must be at least 1, got 0"),
    (0, -1, ValueError, "lines must be at least 1, got -1"),
])
def test_plot_gate_heatmaps_refuses_a_unit_outside_the_layer_and_lines_below_1(unit, lines, error, message):
    """Before, unit=-1 drew unit 2's cell state under the title "unit -1" and a frame above the heatmap."""
    rng = np.random.default_rng(0)
    traces = {"f": rng.uniform(size=(5, 4, 3)), "c": rng.normal(size=(5, 4, 3))}
    open_before = set(plt.get_fignums())
    with pytest.raises(error, match="^" + re.escape(message) + "$"):
        plot_gate_heatmaps(traces, np.array([1.0, 0.0, 1.0, 0.0]), unit=unit, lines=lines)
    assert set(plt.get_fignums()) == open_before
