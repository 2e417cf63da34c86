"""Fixtures shared by the unit tests."""

import pytest


@pytest.fixture
def close_figures():
    """Close every matplotlib figure after the test (figure tests use it for the whole module:
    ``pytestmark = pytest.mark.usefixtures("close_figures")``)."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
