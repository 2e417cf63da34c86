"""The LSTM walkthrough drawing: each step highlights what it reads and writes, the rest is faded."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from rnn_helpers.lstm_diagram import EQUATIONS, PARTS, STEPS, TITLES, draw_lstm_cell  # noqa: E402


pytestmark = pytest.mark.usefixtures("close_figures")


def test_the_whole_cell_is_drawn_in_colour():
    ax = draw_lstm_cell()
    assert all(ax.lstm_parts.values()) and set(ax.lstm_parts) == set(PARTS)
    assert ax.get_title(loc="left") == TITLES[None]
    labels = {t.get_text() for t in ax.texts}
    for name in ("$c_{t-1}$", "$c_t$", "$h_{t-1}$", "$h_t$", "$x_t$", "$f_t$", "$i_t$", "$g_t$", "$o_t$"):
        assert name in labels


@pytest.mark.parametrize("step", list(STEPS))
def test_a_step_highlights_its_parts_and_fades_the_others(step):
    ax = draw_lstm_cell(highlight=step)
    on = {part for part, shown in ax.lstm_parts.items() if shown}
    assert on == STEPS[step] and on != set(PARTS)
    title = ax.get_title(loc="left")
    assert title.startswith(TITLES[step]) and EQUATIONS[step] in title
    faded = [t for t in ax.texts if t.get_color() in ("0.82", "0.65")]
    assert faded, "nothing was faded"


def test_steps_read_and_write_what_the_equations_say():
    for gate in ("forget", "input", "output"):  # every gate reads h_{t-1} and x_t
        assert {"h_in", "x_in"} <= STEPS[gate]
    assert {"f_gate", "f_times", "c_in"} <= STEPS["forget"]  # f_t scales c_{t-1}
    assert {"i_gate", "g_gate", "ig_times"} <= STEPS["input"]  # i_t * g_t
    assert {"c_in", "plus", "c_out"} <= STEPS["cell"] and "h_in" not in STEPS["cell"]  # no weights
    assert {"o_gate", "tanh_c", "h_out"} <= STEPS["output"]
    assert list(STEPS) == list(EQUATIONS) == ["forget", "input", "cell", "output"]


def test_without_equation_the_title_is_one_line():
    ax = draw_lstm_cell(highlight="cell", equation=False)
    assert ax.get_title(loc="left") == TITLES["cell"]


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="highlight must be None or one of"):
        draw_lstm_cell(highlight="gate")
    with pytest.raises(TypeError, match="equation must be True or False"):
        draw_lstm_cell(equation="yes")


def test_a_list_as_highlight_is_named_in_the_error_not_an_unhashable_type():
    with pytest.raises(ValueError, match=r"^highlight must be None or one of \['forget', 'input', 'cell', 'output'\], got \['forget'\]$"):
        draw_lstm_cell(highlight=["forget"])
