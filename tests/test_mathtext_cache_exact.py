"""Exact behaviour of the shared math-label cache: what it installs, returns and parses."""

import sys

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
from matplotlib.font_manager import FontProperties
from matplotlib.mathtext import MathTextParser

from rnn_helpers._mathtext_cache import CACHE_SIZE, restore_matplotlib_cache, share_math_label_cache

LABEL = r"$W_{hh} x_1$"
PROP = FontProperties(size=17, math_fontfamily="stix")  # not the default font


@pytest.fixture
def matplotlib_own_cache():
    """Start from matplotlib's own ``_parse_cached`` and put back whatever was installed."""
    saved = MathTextParser.__dict__["_parse_cached"]
    original = getattr(saved, "matplotlib_original", saved)
    MathTextParser._parse_cached = original
    yield original
    MathTextParser._parse_cached = saved


def installed():
    return MathTextParser.__dict__["_parse_cached"]


def test_install_replaces_matplotlibs_cache_and_remembers_it(matplotlib_own_cache):
    assert share_math_label_cache(size=7) is True
    shared = installed()
    assert shared is not matplotlib_own_cache
    assert shared.shared_by_rnn_helpers is True
    assert shared.matplotlib_original is matplotlib_own_cache
    assert tuple(shared.cache_info()) == (0, 0, 7, 0)
    assert share_math_label_cache() is True  # a second call keeps the first cache
    assert installed() is shared


def test_default_size_is_cache_size(matplotlib_own_cache):
    assert share_math_label_cache() is True
    assert installed().cache_info().maxsize == CACHE_SIZE == 1024


@pytest.mark.parametrize("hinting, antialiased", [("no_hinting", False), ("force_autohint", True)])
def test_shared_parses_equal_matplotlibs_own_for_raster_and_vector(
    matplotlib_own_cache, hinting, antialiased
):
    def parse_both():
        return [
            MathTextParser(output).parse(LABEL, dpi=100, prop=PROP, antialiased=antialiased)
            for output in ("agg", "path")
        ]

    with matplotlib.rc_context({"text.hinting": hinting}):
        own = parse_both()
        assert share_math_label_cache() is True
        MathTextParser("agg").parse(LABEL, dpi=100, antialiased=not antialiased)  # must not be reused
        shared = parse_both()
    raster, vector = shared
    assert type(raster) is type(own[0]) and type(vector) is type(own[1])
    for field in ("ox", "oy", "width", "height", "depth"):
        assert getattr(raster, field) == getattr(own[0], field)
    np.testing.assert_array_equal(np.asarray(raster.image), np.asarray(own[0].image))
    assert (vector.width, vector.height, vector.depth) == (own[1].width, own[1].height, own[1].depth)
    assert vector.glyphs == own[1].glyphs
    assert vector.rects == own[1].rects


def test_a_new_parser_of_the_same_output_reuses_the_parse(matplotlib_own_cache):
    assert share_math_label_cache() is True
    first = MathTextParser("agg").parse(LABEL, dpi=100)
    second = MathTextParser("agg").parse(LABEL, dpi=100)  # another instance, as a new figure has
    assert second is first
    info = installed().cache_info()
    assert (info.hits, info.misses, info.currsize) == (1, 1, 1)


@pytest.mark.parametrize("form", ["wrapped_without_cache_info", "cache_info_without_wrapped"])
def test_a_parse_cached_of_another_form_is_left_alone(matplotlib_own_cache, form):
    def other(self, s, dpi, prop, antialiased, load_glyph_flags):
        return matplotlib_own_cache(self, s, dpi, prop, antialiased, load_glyph_flags)

    if form == "wrapped_without_cache_info":
        other.__wrapped__ = matplotlib_own_cache
    else:
        other.cache_info = lambda: None
    MathTextParser._parse_cached = other
    assert share_math_label_cache() is False
    assert installed() is other


def test_without_matplotlib_mathtext_nothing_is_installed(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.mathtext", None)  # the import now fails
    assert share_math_label_cache() is False


def test_restore_puts_matplotlibs_cache_back(matplotlib_own_cache):
    assert share_math_label_cache() is True
    restore_matplotlib_cache()
    assert installed() is matplotlib_own_cache


def test_restore_without_the_shared_cache_changes_nothing(matplotlib_own_cache):
    restore_matplotlib_cache()
    assert installed() is matplotlib_own_cache
