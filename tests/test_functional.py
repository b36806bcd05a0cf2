"""grad, value_and_grad and gradcheck."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from strategies import reals

from autograd_core import GradcheckError, Value, grad, gradcheck, value_and_grad


def test_grad_over_plain_floats() -> None:
    df = grad(lambda x: x**3)
    assert df(2.0) == 12.0 and isinstance(df(2.0), float)
    assert df(2) == 12.0 and df(np.float64(2.0)) == 12.0


def test_nested_grad_gives_higher_derivatives() -> None:
    f = lambda x: x**3
    assert grad(grad(f))(2.0) == 12.0
    assert grad(grad(grad(f)))(2.0) == 6.0
    assert grad(grad(lambda x: x.sin()))(0.4) == pytest.approx(-math.sin(0.4))


def test_nested_grad_keeps_variables_apart() -> None:
    # d/dx [x * d/dy (x + y)] = d/dx [x * 1] = 1 (perturbation confusion would give 2).
    def outer(x: Value) -> Value:
        return x * grad(lambda y: x + y)(x)

    assert grad(outer)(3.0) == 1.0


def test_argnums() -> None:
    f = lambda x, y, z: x * y + z.exp()
    assert grad(f, argnums=1)(2.0, 3.0, 0.0) == 2.0
    assert grad(f, argnums=(0, 2))(2.0, 3.0, 0.0) == (3.0, 1.0)
    assert grad(f, argnums=-1)(2.0, 3.0, 0.0) == 1.0
    with pytest.raises(ValueError, match="argnums"):
        grad(f, argnums=3)(1.0, 2.0, 3.0)


def test_value_and_grad() -> None:
    v, g = value_and_grad(lambda x, y: x * y)(2.0, 5.0)
    assert (v, g) == (10.0, 5.0)
    v, gs = value_and_grad(lambda x, y: x * y, argnums=(0, 1))(2.0, 5.0)
    assert (v, gs) == (10.0, (5.0, 2.0))


def test_constant_function_has_zero_gradient() -> None:
    assert grad(lambda x: 3.0)(1.0) == 0.0
    assert value_and_grad(lambda x: 2)(1.0) == (2.0, 0.0)


def test_grad_errors_are_clear() -> None:
    with pytest.raises(TypeError, match="one scalar"):
        grad(lambda x: [x, x])(1.0)
    with pytest.raises(TypeError, match="argument 0"):
        grad(lambda x: x)("one")


@given(reals(-3, 3), reals(-3, 3))
def test_gradcheck_passes_for_correct_gradients(a: float, b: float) -> None:
    assert gradcheck(lambda x, y: (x * y).tanh() + x.sin() * y.cos() + (1 + x * x).log(), [a, b])


def test_gradcheck_reports_the_worst_entry() -> None:
    from autograd_core import ops
    from autograd_core.ops import Op
    from autograd_core.value import apply

    # A deliberately wrong op: forward x**2, derivative claimed to be 3x.
    wrong = Op("wrong", lambda m, x: (x * x, (3.0 * x,)))
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x, y: apply(wrong, x) + y * 1.0, [2.0, 1.0])
    msg = str(info.value)
    assert "input 0" in msg and "6.0" in msg and "4.0" in msg
    assert isinstance(info.value, AssertionError)
    assert ops.TABLE["tanh"].name == "tanh"


def test_gradcheck_needs_a_value_result() -> None:
    with pytest.raises(TypeError, match="Value"):
        gradcheck(lambda x: 1.0, [1.0])  # type: ignore[arg-type,return-value]
