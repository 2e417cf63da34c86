"""One cache of parsed math labels for all figures, instead of one per renderer.

matplotlib parses every ``$...$`` label with pyparsing, a few milliseconds each, and keeps
the result in a cache of 50 entries whose key includes the renderer that asked. Every new
figure has a new renderer, so the book's diagrams, which repeat labels such as ``$h_{1}$``
and ``$W_{hh}$`` in figure after figure, parsed the same labels again and again (in chapter
2, 159 parses of 52 different labels).

``share_math_label_cache`` keys one larger cache on what a parse depends on (the kind of
output, the text, the dpi, the font, antialiasing and hinting), not on the renderer. The
pictures stay exactly the same (``tests/test_mathtext_cache.py`` compares the pixels). It relies on a
private matplotlib method; where that is missing or has another form, it does nothing.
"""

from __future__ import annotations

import functools

CACHE_SIZE = 1024


def share_math_label_cache(size: int = CACHE_SIZE) -> bool:
    """Install the shared cache (once); return True if it is in place, False if not possible."""
    try:
        from matplotlib.mathtext import MathTextParser
    except ImportError:  # pragma: no cover - matplotlib is a requirement of the book
        return False
    current = MathTextParser.__dict__.get("_parse_cached")
    if getattr(current, "shared_by_rnn_helpers", False):
        return True
    parse_one = getattr(current, "__wrapped__", None)  # the undecorated method of matplotlib
    if parse_one is None or not hasattr(current, "cache_info"):
        return False
    parser_for_output = {}

    @functools.lru_cache(size)
    def parse_shared(output_type, text, dpi, prop, antialiased, load_glyph_flags):
        return parse_one(parser_for_output[output_type], text, dpi, prop, antialiased, load_glyph_flags)

    def _parse_cached(self, text, dpi, prop, antialiased, load_glyph_flags):
        # A parse depends on the parser only through its output type ("vector" or "raster").
        parser_for_output.setdefault(self._output_type, self)
        return parse_shared(self._output_type, text, dpi, prop, antialiased, load_glyph_flags)

    _parse_cached.shared_by_rnn_helpers = True
    _parse_cached.matplotlib_original = current
    _parse_cached.cache_info = parse_shared.cache_info
    MathTextParser._parse_cached = _parse_cached
    return True


def restore_matplotlib_cache() -> None:
    """Put matplotlib's own per-renderer cache back (for the test that compares pixels)."""
    from matplotlib.mathtext import MathTextParser

    current = MathTextParser.__dict__.get("_parse_cached")
    if getattr(current, "shared_by_rnn_helpers", False):
        MathTextParser._parse_cached = current.matplotlib_original
