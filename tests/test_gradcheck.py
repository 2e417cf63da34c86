"""The finite-difference checker and the cmp() printer must catch wrong gradients, not only pass right ones."""

import numpy as np
import pytest

from rnn_helpers.gradcheck import agreement, cmp, compare, numerical_gradient, order_of_magnitude, relative_error
from reference import exactly


def quadratic(params):
    return float(np.sum(params["a"] ** 2 * params["b"][:, None]) + np.sum(np.sin(params["b"])))


def quadratic_grad(params):
    return {"a": 2 * params["a"] * params["b"][:, None], "b": np.sum(params["a"] ** 2, axis=1) + np.cos(params["b"])}


def make_params():
    rng = np.random.default_rng(0)
    return {"a": rng.normal(size=(3, 4)), "b": rng.normal(size=3)}


def test_numerical_gradient_agrees_with_the_true_gradient_and_leaves_params_alone():
    params = make_params()
    before = {key: value.copy() for key, value in params.items()}
    numeric = numerical_gradient(quadratic, params)
    exact = quadratic_grad(params)
    for key in params:
        assert relative_error(exact[key], numeric[key]) < 1e-9
        np.testing.assert_array_equal(params[key], before[key])


def test_relative_error_catches_a_wrong_gradient():
    params = make_params()
    numeric = numerical_gradient(quadratic, params)
    wrong = quadratic_grad(params)["a"].copy()
    wrong[0, 0] *= 1.5  # one wrong entry
    assert relative_error(wrong, numeric["a"]) > 1e-3
    assert relative_error(-numeric["a"], numeric["a"]) == pytest.approx(1.0)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0


def test_compare_and_cmp_tell_exact_close_and_different_apart():
    a = np.array([1.0, 2.0, 3.0])
    assert compare(a, a.copy()) == {"exact": True, "close": True, "max_diff": 0.0}
    nudged = compare(a, a + 1e-13)
    assert nudged["exact"] is False and nudged["close"] is True
    assert nudged["max_diff"] == pytest.approx(1e-13, rel=1e-2)
    far = compare(a, a + np.array([0.0, 0.5, 0.0]))
    assert far == {"exact": False, "close": False, "max_diff": 0.5}
    assert cmp("w", a, a) == "w          | exact: True  | close: True  | max diff: 0"
    assert cmp("w", a, a + np.array([0, 0.5, 0])).endswith("| exact: False | close: False | max diff: < 1e+00")


@pytest.mark.parametrize("value, text", [(0.0, "0"), (2.8e-17, "< 1e-16"), (1e-10, "< 1e-09"), (0.5, "< 1e+00"), (3.0, "< 1e+01")])
def test_order_of_magnitude(value, text):
    assert order_of_magnitude(value) == text


@pytest.mark.parametrize("value, text", [(0.0, "0"), (2.2e-16, "< 1e-12"), (4.4e-16, "< 1e-12"), (9.9e-13, "< 1e-12"),
                                         (1e-12, "< 1e-11"), (3e-7, "< 1e-06")])
def test_a_floor_prints_every_value_below_it_the_same(value, text):
    # 2.2e-16 and 4.4e-16 are the same rounding difference seen on two processors
    assert order_of_magnitude(value, floor=1e-12) == text


@pytest.mark.parametrize("floor", [0.0, -1e-12, 3e-12, float("nan")])
def test_floor_must_be_a_power_of_ten(floor):
    with pytest.raises(ValueError, match="floor must be a power of ten such as 1e-12"):
        order_of_magnitude(1e-13, floor=floor)


def test_cmp_prints_rounding_differences_below_its_floor():
    a = np.array([1.0, 2.0, 3.0])
    assert cmp("w", a, a + 4e-16).endswith("| exact: False | close: True  | max diff: < 1e-12")
    assert cmp("w", a, a + 4e-16, floor=1e-20).endswith("| max diff: < 1e-15")


def test_shapes_must_match():
    with pytest.raises(ValueError, match=r"w \(ours\) must have shape \(3,\) \(the shape of the reference\); got \(2,\)"):
        compare(np.zeros(2), np.zeros(3), name="w")


def test_eps_must_be_small_and_positive():
    with pytest.raises(ValueError, match=r"eps must be a small positive number"):
        numerical_gradient(quadratic, make_params(), eps=0)


def test_agreement_says_equal_up_to_rounding_close_or_different():
    a = np.array([1.0, 2.0, 3.0])
    assert agreement("w", a, a.copy()) == "w          equal up to rounding (every difference below 10⁻¹²)"
    assert agreement("w", a, a + 1e-15) == "w          equal up to rounding (every difference below 10⁻¹²)"
    assert agreement("w", a, a + 1e-8).startswith("w          close (largest difference 1.0 × 10⁻⁸")
    assert agreement("w", a, a + 0.5) == "w          DIFFERENT (largest difference 0.5)"
    assert "e-" not in agreement("w", a, a + 1e-8)
    with pytest.raises(ValueError, match="floor"):
        agreement("w", a, a, floor=0.0)


def test_order_of_magnitude_for_readers():
    assert order_of_magnitude(3e-10, reader=True) == "below 10⁻⁹"
    assert order_of_magnitude(3e-13, floor=1e-9, reader=True) == "below 10⁻⁹"
    assert order_of_magnitude(0.0, reader=True) == "0"


# ---- whole messages, boundaries and defaults (issue 20: each test below was written against a mutant)

@pytest.mark.parametrize("call, error, message", [
    (lambda: numerical_gradient(3, make_params()), TypeError, "loss_fn must be a function params -> float; got int"),
    (lambda: numerical_gradient(quadratic, [np.zeros(2)]), TypeError, "params must be a dict of arrays; got list"),
    (lambda: numerical_gradient(quadratic, make_params(), eps=1), ValueError,
     "eps must be a small positive number such as 1e-5; got 1"),
    (lambda: numerical_gradient(quadratic, make_params(), eps=1.5), ValueError,
     "eps must be a small positive number such as 1e-5; got 1.5"),
    (lambda: numerical_gradient(quadratic, {"a": np.array([1.0, np.nan])}), ValueError,
     "params['a'] must be finite, but it holds 1 NaN or infinite value(s); the first is nan at index (1,)"),
])
def test_numerical_gradient_refuses_bad_arguments_with_the_whole_message(call, error, message):
    with pytest.raises(error, match=exactly(message)):
        call()


def test_numerical_gradient_accepts_an_eps_just_below_one():
    # loss = sum(w**3): the central difference of w**3 is 3 w**2 + eps**2 exactly (the w**3 and
    # w*eps**2 terms cancel or add up as written out), so with eps = 0.5 the gradient is 3 w**2 + 0.25
    grads = numerical_gradient(lambda p: float(np.sum(p["w"] ** 3)), {"w": np.array([0.0, 1.0, -2.0])}, eps=0.5)
    np.testing.assert_allclose(grads["w"], [0.25, 3.25, 12.25], rtol=1e-14)


@pytest.mark.parametrize("call, message", [
    (lambda: compare(np.array([np.inf]), np.zeros(1), name="w"),
     "w (ours) must be finite, but it holds 1 NaN or infinite value(s); the first is inf at index (0,)"),
    (lambda: compare(np.zeros(1), np.array([np.nan]), name="w"),
     "w (reference) must be finite, but it holds 1 NaN or infinite value(s); the first is nan at index (0,)"),
    (lambda: compare(np.zeros(2), np.zeros(3)),
     "array (ours) must have shape (3,) (the shape of the reference); got (2,)"),
    (lambda: relative_error(np.zeros(2), np.zeros(3)),
     "gradient (ours) must have shape (3,) (the shape of the reference); got (2,)"),
    (lambda: relative_error(np.zeros(2), np.zeros(3), name="dW"),
     "dW (ours) must have shape (3,) (the shape of the reference); got (2,)"),
    (lambda: cmp("dW", np.zeros(2), np.zeros(3)),
     "dW (ours) must have shape (3,) (the shape of the reference); got (2,)"),
    (lambda: agreement("dW", np.zeros(2), np.zeros(3)),
     "dW (ours) must have shape (3,) (the shape of the reference); got (2,)"),
])
def test_array_checks_name_the_array_in_the_whole_message(call, message):
    with pytest.raises(ValueError, match=exactly(message)):
        call()


def test_compare_uses_its_own_rtol_and_atol_not_numpys_defaults():
    # numpy's allclose defaults are rtol=1e-5, atol=1e-8; compare's are rtol=1e-6, atol=1e-9
    one = np.array([1.0])
    assert compare(one, one * (1 + 5e-6))["close"] is False  # within 1e-5 relative, not 1e-6
    assert compare(one, one * (1 + 5e-7))["close"] is True
    assert compare(one, one * (1 + 5e-6), rtol=1e-5)["close"] is True
    zero = np.array([0.0])
    assert compare(zero, zero + 5e-9)["close"] is False  # within 1e-8 absolute, not 1e-9
    assert compare(zero, zero + 5e-10)["close"] is True
    assert compare(zero, zero + 5e-9, atol=1e-8)["close"] is True


def test_compare_of_two_empty_arrays_is_exact_with_no_difference():
    assert compare(np.zeros(0), np.zeros(0)) == {"exact": True, "close": True, "max_diff": 0.0}
    assert compare(np.zeros((2, 0)), np.zeros((2, 0)))["max_diff"] == 0.0


@pytest.mark.parametrize("call, error, message", [
    (lambda: order_of_magnitude(True), TypeError, "value must be a non-negative number (a difference); got bool True"),
    (lambda: order_of_magnitude("1e-3"), TypeError,
     "value must be a non-negative number (a difference); got str '1e-3'"),
    (lambda: order_of_magnitude(1e-13, floor=True), TypeError,
     "floor must be a power of ten such as 1e-12, got bool True"),
    (lambda: order_of_magnitude(1e-13, floor="1e-12"), TypeError,
     "floor must be a power of ten such as 1e-12, got str '1e-12'"),
    (lambda: order_of_magnitude(1e-13, floor=float("inf")), ValueError,
     "floor must be a power of ten such as 1e-12, got inf"),
    (lambda: order_of_magnitude(1e-13, floor=1e-12 * (1 + 2e-6)), ValueError,
     f"floor must be a power of ten such as 1e-12, got {1e-12 * (1 + 2e-6)!r}"),
])
def test_order_of_magnitude_refuses_bad_arguments_with_the_whole_message(call, error, message):
    with pytest.raises(error, match=exactly(message)):
        call()


def test_a_floor_computed_with_rounding_still_counts_as_a_power_of_ten():
    # a floor within one part in a million of 10**-12 is accepted (the check's rel_tol is 1e-6)
    assert order_of_magnitude(1e-13, floor=1e-12 * (1 + 5e-7)) == "< 1e-12"


def test_agreement_at_exactly_the_floor_is_no_longer_rounding():
    # 0 and 1e-12 differ by exactly 1e-12 (x - 0 is exact), which is not below the floor 1e-12
    assert agreement("w", np.zeros(1), np.array([1e-12])) == "w          close (largest difference 1.0 × 10⁻¹²)"
    assert agreement("w", np.ones(1), np.array([1.5]), floor=0.5) == "w          DIFFERENT (largest difference 0.5)"


def test_agreement_writes_a_floor_that_is_not_a_power_of_ten_as_a_number():
    a = np.array([1.0, 2.0])
    assert agreement("w", a, a, floor=3e-12) == "w          equal up to rounding (every difference below 3.0 × 10⁻¹²)"
    assert agreement("w", a, a, floor=1e-9) == "w          equal up to rounding (every difference below 10⁻⁹)"
