"""The shared cache of parsed math labels: same pixels, fewer parses."""

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.mathtext import MathTextParser

import rnn_helpers.plots  # noqa: F401  (installs the shared cache)
from rnn_helpers._mathtext_cache import restore_matplotlib_cache, share_math_label_cache
from rnn_helpers.diagrams import draw_rnn_chain

LABELS = ["$h_{1}$", "$W_{hh}$", r"$\partial y_5 / \partial x_1 = W_2^{4}$", "plain text"]


def labelled_figure_png() -> bytes:
    fig, ax = plt.subplots(figsize=(3, 2), dpi=80)
    for k, label in enumerate(LABELS):
        ax.text(0.1, 0.2 * k + 0.1, label, fontsize=9 + k)
    ax.set_xlabel("$t$")
    ax.set_yscale("log")
    ax.set_ylim(1e-4, 1)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def test_plots_module_installs_the_shared_cache():
    assert getattr(MathTextParser.__dict__["_parse_cached"], "shared_by_rnn_helpers", False)
    assert share_math_label_cache() is True  # installing twice changes nothing


def test_shared_cache_draws_the_same_pixels_as_matplotlibs_own():
    shared = labelled_figure_png()
    restore_matplotlib_cache()
    try:
        assert not getattr(MathTextParser.__dict__["_parse_cached"], "shared_by_rnn_helpers", False)
        original = labelled_figure_png()
    finally:
        assert share_math_label_cache()
    assert shared == original


def test_a_label_repeated_in_new_figures_is_parsed_once():
    cache = MathTextParser.__dict__["_parse_cached"].cache_info

    def draw_a_new_chain():  # a new figure, hence a new renderer, each time
        draw_rnn_chain(3)
        plt.gcf().canvas.draw()
        plt.close("all")

    draw_a_new_chain()
    before = cache()
    for _ in range(3):
        draw_a_new_chain()
    after = cache()
    assert after.misses == before.misses  # matplotlib's own cache would parse them all again
    assert after.hits - before.hits >= 3 * 6  # x_1..x_3 and h_1..h_3 at least, three times
