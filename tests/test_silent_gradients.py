"""No silently wrong gradient: every way a Value can become a plain number and flow back
into a graph either keeps the gradient or says why it cannot; a graph recorded under
``no_grad`` refuses ``backward``; ``create_graph`` records whatever the mode."""

from __future__ import annotations

import fractions
import math
import statistics

import numpy as np
import pytest
from hypothesis import given
from strategies import reals

from autograd_core import Value, gradients, no_grad

WAYS_OUT = {
    "math.exp": lambda x: math.exp(x),
    "math.sin": lambda x: math.sin(x),
    "float": lambda x: float(x),
    "int": lambda x: int(x),
    "round": lambda x: round(x),
    "round to 2": lambda x: round(x, 2),
    "math.floor": lambda x: math.floor(x),
    "math.trunc": lambda x: math.trunc(x),
    "math.ceil": lambda x: math.ceil(x),
    "complex": lambda x: complex(x),
    "numpy.float64": lambda x: np.float64(x),
    "numpy array of floats": lambda x: np.array([x], dtype=float),
    "math.fsum": lambda x: math.fsum([x, x]),
    "statistics.mean": lambda x: statistics.mean([x, x]),
    "fractions.Fraction": lambda x: fractions.Fraction(x),
    "an index": lambda x: [1, 2, 3][x],
    "np.floor": lambda x: np.floor(x),
    "np.exp of an array": lambda x: np.exp(np.array([1.0, 2.0])) * x,
}


@pytest.mark.parametrize("way", sorted(WAYS_OUT))
def test_a_way_out_of_the_graph_is_a_type_error_that_says_what_to_use(way: str) -> None:
    x = Value(2.0, label="x")
    with pytest.raises(TypeError) as info:
        WAYS_OUT[way](x)
    message = str(info.value)
    if way == "fractions.Fraction":  # the standard library's own refusal, before asking us
        assert "Rational" in message, message
    elif way == "np.exp of an array":
        assert "one Value holds one number" in message, message
    else:
        assert "x.exp()" in message and "x.data" in message and "x.item()" in message, message


def test_math_exp_times_x_no_longer_backpropagates_the_wrong_number() -> None:
    # Before: math.exp(x) * x gave dy/dx = e^2 = 7.389 (the exp was a constant); right is 3e^2.
    x = Value(2.0)
    with pytest.raises(TypeError, match=r"x\.exp\(\)"):
        math.exp(x) * x  # type: ignore[arg-type]
    y = x.exp() * x
    y.backward()
    assert x.grad == pytest.approx(3 * math.exp(2.0)) and x.grad == pytest.approx(22.16716829679195)


@given(reals(-3, 3))
def test_numpy_functions_keep_the_gradient(a: float) -> None:
    x = Value(a)
    y = np.exp(x) * np.sin(x) + np.tanh(x) ** 2 - np.maximum(x, 0.5) / np.float64(2.0)
    y.backward()
    expected = (
        math.exp(a) * (math.sin(a) + math.cos(a))
        + 2 * math.tanh(a) * (1 - math.tanh(a) ** 2)
        - (1.0 if a > 0.5 else 0.0) / 2.0
    )
    h = 1e-6
    f = lambda t: math.exp(t) * math.sin(t) + math.tanh(t) ** 2 - max(t, 0.5) / 2.0
    if abs(a - 0.5) > 1e-3:
        assert x.grad == pytest.approx(expected, rel=1e-9, abs=1e-12)
        assert x.grad == pytest.approx((f(a + h) - f(a - h)) / (2 * h), rel=1e-5, abs=1e-6)


def test_what_still_works_comparisons_formatting_sums() -> None:
    a, b = Value(1.5), Value(-2.0)
    assert max(a, b) is a and min(a, b) is b and a > b and sorted([a, b]) == [b, a]
    assert f"{a:.3f}" == "1.500" and f"{a}" == str(a) and f"{b:+.1e}" == "-2.0e+00"
    total = sum([a, b, a])
    total.backward()
    assert a.grad == 2.0 and a.item() == 1.5 and a.data == 1.5


def test_backward_under_no_grad_names_no_grad() -> None:
    x = Value(3.0)
    with no_grad():
        y = x * x
    with pytest.raises(RuntimeError, match=r"computed inside a no_grad\(\) block"):
        y.backward()
    with pytest.raises(RuntimeError, match="does not require grad"):
        gradients(y, [x])
    # a leaf made on purpose still backpropagates into itself, as in PyTorch
    z = Value(1.0)
    z.backward()
    assert z.grad == 1.0


@pytest.mark.parametrize("inside_no_grad", [False, True])
def test_create_graph_records_the_gradient_whatever_the_mode(inside_no_grad: bool) -> None:
    x = Value(2.0)
    y = x**3
    if inside_no_grad:
        with no_grad():
            y.backward(create_graph=True)
            (g,) = gradients(y, [x], create_graph=True)
    else:
        y.backward(create_graph=True)
        (g,) = gradients(y, [x], create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == pytest.approx(12.0)  # 3x^2
    (second,) = gradients(g, [x])
    assert second == pytest.approx(12.0)  # 6x, analytic
    h = 1e-4
    assert second == pytest.approx(((2 + h) ** 3 - 2 * 2**3 + (2 - h) ** 3) / h**2, rel=1e-5)  # differences
