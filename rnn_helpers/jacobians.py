"""The gradient through time of a recurrent layer as a product of Jacobians.

Introduced in chapter 4. For the layer h_t = f(a_t), a_t = W_ih x_t + b + W_hh h_{t-1},
one step back multiplies the gradient by the transposed step Jacobian::

    d L / d h_{t-1} = W_hh^T diag(f'(a_t)) d L / d h_t,

so the gradient that reaches h_{T-k} from a loss at h_T is the product of k such factors.
Pascanu, Mikolov and Bengio (2013) bound each factor's norm by ||W_hh|| * gamma, where
gamma bounds ``|f'|`` (1 for tanh, 1/4 for the sigmoid): if the largest singular value of
W_hh is below 1/gamma, the gradient must vanish (at least as fast as (gamma ||W_hh||)^k);
if the gradient explodes, the largest singular value must be above 1/gamma.

Shapes are unbatched and time first, as in ``rnn_forward``: x (T, input), h (T, hidden).
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validate import check_choice, check_ndim, check_shape, real_array
from .activations import NONLINEARITIES
from .numpy_rnn import check_rnn_params, rnn_forward

PALETTE_BLACK = "#000000"

# gamma: the largest value of |f'(a)| over all a (Pascanu et al. 2013, section 3)
SLOPE_BOUNDS = {"tanh": 1.0, "sigmoid": 0.25, "relu": 1.0, "linear": 1.0}


def _forward(x, params, h0, nonlinearity):
    nonlinearity = check_choice(nonlinearity, "nonlinearity", tuple(NONLINEARITIES))
    params = check_rnn_params(params)
    x = real_array(x, "x")
    check_ndim(x, "x", {2: "(T, input), one unbatched sequence"})
    h, cache = rnn_forward(x, params, h0, nonlinearity)
    _, f_prime = NONLINEARITIES[nonlinearity]
    slopes = f_prime(cache["pre_activations"], h)  # (T, hidden): f'(a_t)
    return params, slopes


def step_jacobians(x, params, h0=None, nonlinearity: str = "tanh") -> np.ndarray:
    """The Jacobian d h_t / d h_{t-1} = diag(f'(a_t)) W_hh of every step.

    Parameters
    ----------
    x : array, (T, input)
    params : dict in ``rnn_forward``'s layout (``weight_hh`` is (hidden, hidden))
    h0 : array, (hidden,), optional
    nonlinearity : {"tanh", "sigmoid", "relu", "linear"}

    Returns
    -------
    array, (T, hidden, hidden)
        Entry t - 1 is d h_t / d h_{t-1}; backpropagation multiplies by its transpose.

    Introduced in chapter 4.
    """
    params, slopes = _forward(x, params, h0, nonlinearity)
    return slopes[:, :, None] * params["weight_hh"][None, :, :]


def jacobian_product(jacobians, steps_back: int) -> np.ndarray:
    """d h_T / d h_{T-k} = J_T J_{T-1} ... J_{T-k+1} for k = ``steps_back``. Shape (hidden, hidden).

    ``jacobians`` is (T, hidden, hidden) from ``step_jacobians``; k = 0 gives the identity.
    Introduced in chapter 4.
    """
    jacobians = real_array(jacobians, "jacobians")
    check_ndim(jacobians, "jacobians", {3: "(T, hidden, hidden)"})
    steps, hidden = jacobians.shape[0], jacobians.shape[1]
    check_shape(jacobians, "jacobians", (steps, hidden, hidden), "square step Jacobians")
    if isinstance(steps_back, bool) or not isinstance(steps_back, numbers.Integral) or not 0 <= steps_back <= steps:
        raise ValueError(f"steps_back must be a whole number from 0 to T = {steps}; got {steps_back!r}")
    product = np.eye(hidden)
    for t in range(steps - 1, steps - 1 - steps_back, -1):
        product = product @ jacobians[t]
    return product


def gradient_norms(x, params, output_grad=None, h0=None, nonlinearity: str = "tanh") -> np.ndarray:
    """||d L / d h_t|| for t = T, T-1, ..., 0 when the loss sits on the last state only.

    L = output_grad . h_T, so d L / d h_T = ``output_grad`` and each step back multiplies by
    W_hh^T diag(f'(a_t)).

    Parameters
    ----------
    x : array, (T, input)
    params : dict in ``rnn_forward``'s layout
    output_grad : array, (hidden,), optional
        d L / d h_T; by default the unit vector (1, ..., 1) / sqrt(hidden).
    h0 : array, (hidden,), optional
    nonlinearity : {"tanh", "sigmoid", "relu", "linear"}

    Returns
    -------
    array, (T + 1,)
        Entry k is ||d L / d h_{T-k}||: k = 0 is the last state, k = T is h_0.

    Introduced in chapter 4.
    """
    params, slopes = _forward(x, params, h0, nonlinearity)
    hidden = params["weight_hh"].shape[0]
    if output_grad is None:
        grad = np.full(hidden, 1.0 / np.sqrt(hidden))
    else:
        grad = real_array(output_grad, "output_grad")
        check_shape(grad, "output_grad", (hidden,), "one value per hidden unit")
    with np.errstate(under="ignore"):  # a vanishing gradient underflows to 0 on purpose
        norms = [np.linalg.norm(grad)]
        for t in range(slopes.shape[0] - 1, -1, -1):
            grad = params["weight_hh"].T @ (slopes[t] * grad)
            norms.append(np.linalg.norm(grad))
    return np.array(norms)


def matrix_with_spectral_norm(hidden: int, spectral_norm: float, rng: np.random.Generator,
                              kind: str = "orthogonal") -> np.ndarray:
    """A random (hidden, hidden) matrix whose largest singular value is ``spectral_norm``.

    ``kind="orthogonal"``: spectral_norm times a random orthogonal matrix, so *every*
    singular value (and every eigenvalue's size) equals spectral_norm and ||W^k v|| =
    spectral_norm^k ||v|| exactly. ``kind="gaussian"``: a Gaussian matrix rescaled; its
    eigenvalues are smaller than its largest singular value, about half of it.

    Introduced in chapter 4.
    """
    if isinstance(hidden, bool) or not isinstance(hidden, numbers.Integral) or hidden < 1:
        raise ValueError(f"hidden must be a whole number >= 1; got {hidden!r}")
    spectral_norm = real_array(spectral_norm, "spectral_norm")
    if spectral_norm.ndim != 0:
        raise ValueError(f"spectral_norm must be one number; got an array of shape {spectral_norm.shape}")
    spectral_norm = float(spectral_norm)
    if spectral_norm <= 0:
        raise ValueError(f"spectral_norm must be positive; got {spectral_norm}")
    kind = check_choice(kind, "kind", ("orthogonal", "gaussian"))
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)); got {type(rng).__name__}")
    matrix = rng.normal(size=(hidden, hidden))
    if kind == "orthogonal":
        q, r = np.linalg.qr(matrix)
        matrix = q * np.sign(np.diag(r))  # uniformly random orthogonal
        return spectral_norm * matrix
    return matrix * (spectral_norm / np.linalg.norm(matrix, 2))


def random_layer_gradient_norms(spectral_norm: float, nonlinearity: str = "tanh", hidden: int = 32,
                                steps: int = 50, input_scale: float = 1.0, seed: int = 0,
                                kind: str = "orthogonal") -> np.ndarray:
    """Gradient norm per step back for a random layer whose W_hh has a chosen spectral norm.

    One input unit per hidden unit (W_ih = identity, zero biases); the inputs are
    N(0, input_scale^2), so ``input_scale`` sets how far the states are pushed into the flat
    parts of the nonlinearity. The loss sits on h_T (``gradient_norms`` with its default
    direction).

    Returns
    -------
    array, (steps + 1,)
        Entry k is ||d L / d h_{T-k}|| / ||d L / d h_T||.

    Introduced in chapter 4.
    """
    x, params = _random_layer(spectral_norm, hidden, steps, input_scale, seed, kind)
    norms = gradient_norms(x, params, nonlinearity=nonlinearity)
    return norms / norms[0]


def _random_layer(spectral_norm, hidden, steps, input_scale, seed, kind):
    """The inputs (steps, hidden) and parameters of ``random_layer_gradient_norms``' layer."""
    rng = np.random.default_rng(seed)
    params = {
        "weight_ih": np.eye(hidden),
        "weight_hh": matrix_with_spectral_norm(hidden, spectral_norm, rng, kind),
        "bias_ih": np.zeros(hidden),
        "bias_hh": np.zeros(hidden),
    }
    return rng.normal(0.0, input_scale, size=(steps, hidden)), params


def random_layer_slopes(spectral_norm: float, nonlinearity: str = "tanh", hidden: int = 32,
                        steps: int = 50, input_scale: float = 1.0, seed: int = 0,
                        kind: str = "orthogonal") -> np.ndarray:
    """The slopes f'(a_t) of the layer that ``random_layer_gradient_norms`` follows back
    (same arguments, same layer and inputs). Shape (steps, hidden).

    With ``kind="orthogonal"`` W_hh stretches every direction by ``spectral_norm``, so one
    step back multiplies a gradient's length by spectral_norm times the root mean square of
    the slopes, weighted by where the gradient sits. Introduced in chapter 4.
    """
    x, params = _random_layer(spectral_norm, hidden, steps, input_scale, seed, kind)
    return _forward(x, params, None, nonlinearity)[1]


def vanishing_bound(spectral_norm: float, nonlinearity: str, steps: int) -> np.ndarray:
    """The bound (gamma * ||W_hh||)^k, k = 0..steps, on the gradient norm ratio. Shape (steps + 1,).

    It holds for every input and every weight matrix with that spectral norm; it forces
    vanishing only when gamma * ||W_hh|| < 1. Introduced in chapter 4.
    """
    from ._validate import check_count, check_positive_number

    nonlinearity = check_choice(nonlinearity, "nonlinearity", tuple(SLOPE_BOUNDS))
    spectral_norm = check_positive_number(spectral_norm, "spectral_norm")
    steps = check_count(steps, "steps", minimum=0)
    factor = SLOPE_BOUNDS[nonlinearity] * spectral_norm
    with np.errstate(under="ignore"):
        return factor ** np.arange(steps + 1, dtype=np.float64)


def survival_after(spectral_norms, nonlinearity: str, steps: int = 50, **kwargs) -> np.ndarray:
    """``random_layer_gradient_norms(...)[steps]`` for each spectral norm: the share of the gradient
    left after ``steps`` steps back. Shape (len(spectral_norms),). Introduced in chapter 4."""
    return np.array([random_layer_gradient_norms(float(norm), nonlinearity, steps=steps, **kwargs)[steps]
                     for norm in spectral_norms])


def plot_layer_gradients(spectral_norms=(0.5, 0.9, 1.5, 3.0), nonlinearity: str = "tanh", steps: int = 50,
                         sweep=None, floor: float = 1e-20, ceiling: float = 1e20, **kwargs):
    """Left: gradient norm per step back for random layers with the given spectral norms, with the
    bound (gamma ||W_hh||)^k dashed where it forces vanishing. Right: what is left after ``steps``
    steps against the spectral norm, for the linear, tanh and sigmoid layers, with 1/gamma marked.

    Values outside [floor, ceiling] are drawn at the edge (the y axis says so). ``kwargs`` go to
    ``random_layer_gradient_norms`` (hidden, input_scale, seed, kind).
    Returns (figure, {"curves": {norm: (steps+1,)}, "sweep": array, "survival": {name: array}}).
    Introduced in chapter 4.
    """
    import matplotlib.pyplot as plt

    from .plots import PALETTE

    # left panel: orange and vermillion side by side were hard to tell apart, so the fourth
    # curve is purple
    LEFT_COLOURS = [PALETTE[name] for name in ("blue", "orange", "green", "purple", "sky")]

    if sweep is None:  # denser near 1, where the linear and tanh layers turn
        sweep = np.array([0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0])
    sweep = np.asarray(sweep, dtype=float)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.4, 3.8))
    k = np.arange(steps + 1)
    curves = {}
    for i, norm in enumerate(spectral_norms):
        colour = LEFT_COLOURS[i % len(LEFT_COLOURS)]
        curves[norm] = random_layer_gradient_norms(norm, nonlinearity, steps=steps, **kwargs)
        left.plot(k, np.clip(curves[norm], floor, ceiling), color=colour, label=rf"$\|W_{{hh}}\|$ = {norm:g}")
        if SLOPE_BOUNDS[nonlinearity] * norm < 1:
            left.plot(k, np.clip(vanishing_bound(norm, nonlinearity, steps), floor, ceiling), color=colour,
                      linestyle="--", linewidth=1)
    left.set(yscale="log", xlabel="steps back k", ylabel=r"$\|\partial L/\partial h_{T-k}\| \,/\, \|\partial L/\partial h_T\|$",
             title=f"{nonlinearity} layer (dashed: the bound)", ylim=(floor / 10, ceiling * 10))
    left.legend(fontsize=8, frameon=False, loc="upper left")
    survival = {}
    markers = {"linear": "s", "tanh": "o", "sigmoid": "^"}
    # right panel: colours the left panel does not use, so that no colour means two things
    right_colours = {"linear": PALETTE_BLACK, "tanh": PALETTE["sky"], "sigmoid": PALETTE["vermillion"]}
    for name in ("linear", "tanh", "sigmoid"):
        survival[name] = survival_after(sweep, name, steps, **kwargs)
        colour = right_colours[name]
        right.plot(sweep, np.clip(survival[name], floor, ceiling), color=colour, marker=markers[name], markersize=4,
                   label=f"{name} (γ = {'1/4' if name == 'sigmoid' else '1'})")
    for bound in (1.0, 4.0):
        right.axvline(bound, color=PALETTE_BLACK, linestyle=":", linewidth=1.2)
        right.text(bound + 0.08, ceiling / 1e4, f"1/γ = {bound:g}", ha="left", va="center", fontsize=8.5)
    right.axhline(1.0, color=PALETTE_BLACK, linewidth=0.8)
    right.set(yscale="log", xlabel=r"largest singular value $\|W_{hh}\|$", ylabel=f"left after {steps} steps back",
              ylim=(floor / 10, ceiling * 10))
    right.set_title("vanishing is certain left of 1/γ (dotted)", pad=20)
    right.legend(fontsize=8, frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3,
                 handlelength=1.5, columnspacing=1.0)
    decades = np.arange(np.ceil(np.log10(floor)), np.log10(ceiling) + 1, 10)
    for ax in (left, right):
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_yticks(10.0**decades)
        ax.minorticks_off()
    fig.text(0.01, 0.01, "values beyond the axis limits are drawn at the edge", ha="left",
             va="bottom", fontsize=8, color="0.35")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig, {"curves": curves, "sweep": sweep, "survival": survival}


__all__ = [
    "survival_after",
    "plot_layer_gradients",
    "SLOPE_BOUNDS",
    "step_jacobians",
    "jacobian_product",
    "gradient_norms",
    "matrix_with_spectral_norm",
    "random_layer_gradient_norms",
    "vanishing_bound",
]
