"""Sliders that keep working on the static website, with no kernel behind them.

Introduced in chapter 1, used by every chapter with a slider. ``frame_slider`` takes
pictures computed in advance, one for each position of the slider, and links the slider
to them *in the browser* (``ipywidgets.jslink``). Nothing has to run in Python when the
slider moves, so the same widget works in Jupyter, in Colab and on the built website.
Only core widgets that exist in both ipywidgets 7 (Colab) and 8 are used.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence

import ipywidgets as widgets


def figure_to_png(figure, dpi: int = 80, close: bool = True) -> bytes:
    """Render a matplotlib figure to PNG bytes and, unless ``close=False``, close it (so that
    Jupyter does not show it a second time).

    The PNG carries no timestamp, so the same figure gives the same bytes on every run.
    """
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    if close:
        plt.close(figure)
    return buffer.getvalue()


def image_frame(png: bytes, alt: str, caption: str = "") -> str:
    """HTML for one frame: the picture with its alt text, and a caption read out under it."""
    if not alt.strip():
        raise ValueError("alt must describe the picture for readers who cannot see it; got an empty string")
    source = base64.b64encode(png).decode("ascii")
    caption_html = f'<p class="frame-caption" role="status">{html.escape(caption)}</p>' if caption else ""
    return f'<img src="data:image/png;base64,{source}" alt="{html.escape(alt)}" style="max-width:100%">{caption_html}'


def _frame_container(children: list):
    """A container that shows exactly one child, chosen by ``selected_index``.

    ``Stack`` (ipywidgets 8) shows only the selected child; ipywidgets 7 has no Stack,
    so there a ``Tab`` does the same job, with its tab bar as a second control.
    """
    if hasattr(widgets, "Stack"):
        return widgets.Stack(children=children, selected_index=0)
    tab = widgets.Tab(children=children)
    tab.selected_index = 0
    return tab


def frame_slider(frames: Sequence[str], labels: Sequence[str], description: str, start: int = 0):
    """A labelled slider that shows one precomputed HTML frame per position.

    Parameters
    ----------
    frames : list of str, length n
        One HTML snippet per slider position, usually made by ``image_frame``.
    labels : list of str, length n
        The value the slider shows at each position (for example ``"0.10"``).
    description : str
        The slider's label, read by screen readers too (for example ``"W2"``).
    start : int
        The position shown first.

    Returns
    -------
    ipywidgets.VBox
        The slider above the frames. Move it with the mouse or, once focused, the arrow keys.
    """
    if len(frames) != len(labels):
        raise ValueError(f"frames and labels must have the same length; got {len(frames)} frames and {len(labels)} labels")
    if len(frames) == 0:
        raise ValueError("frame_slider needs at least one frame; got none")
    if len(set(labels)) != len(labels):
        raise ValueError(f"labels must be distinct so that each names one position; got {list(labels)}")
    if not 0 <= start < len(frames):
        raise ValueError(f"start must be a position from 0 to {len(frames) - 1}; got {start}")
    slider = widgets.SelectionSlider(
        options=list(labels),
        value=labels[start],
        description=description,
        continuous_update=True,
        layout=widgets.Layout(width="min(100%, 36em)"),
        style={"description_width": "initial"},
    )
    pages = _frame_container([widgets.HTML(value=frame) for frame in frames])
    pages.selected_index = start
    widgets.jslink((slider, "index"), (pages, "selected_index"))
    return widgets.VBox([slider, pages])
