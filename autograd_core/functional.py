"""JAX-style function transforms over plain floats, and a gradient checker.

``grad(f)`` is a new function that returns df/dx; nesting works (``grad(grad(f))``)
because when the arguments are already ``Value`` objects the derivative is computed with
``create_graph=True`` and returned as a ``Value`` the outer transform can differentiate.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any, overload

from .backward import gradients
from .ops import IDENTITY
from .value import Value, _as_float, apply

ArgNums = int | Sequence[int]


class GradcheckError(AssertionError):
    """``gradcheck`` found an analytic gradient that disagrees with finite differences."""


def _argnums_tuple(argnums: ArgNums, nargs: int) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for i in nums:
        if not isinstance(i, int) or not -nargs <= i < nargs:
            raise ValueError(f"argnums {argnums!r} does not fit a call with {nargs} positional argument(s)")
    return tuple(i % nargs for i in nums)


def _eval_with_grads(f: Callable[..., Any], argnums: ArgNums, args: tuple[Any, ...]) -> tuple[Any, Any]:
    nums = _argnums_tuple(argnums, len(args))
    nested = any(isinstance(args[i], Value) for i in nums)
    # Numbers at other positions become constant Values too, so f can call v.exp() on
    # any of its numeric arguments; other objects pass through untouched.
    new_args = [Value(float(a)) if isinstance(a, numbers.Real) else a for a in args]
    leaves = []
    for i in nums:
        a = args[i]
        # A fresh node per call, even for a Value argument (an identity node then), so
        # an inner transform never mixes up its own variable with an outer one.
        leaf = apply(IDENTITY, a) if isinstance(a, Value) else Value(_as_float(a, f"argument {i}"))
        new_args[i] = leaf
        leaves.append(leaf)
    out = f(*new_args)
    if not isinstance(out, Value):
        try:
            out_value = _as_float(out, "the function's result")
        except TypeError:
            raise TypeError(
                f"grad needs f to return one scalar (a Value or a number), got {type(out).__name__}"
            ) from None
        grads: list[Any] = [0.0] * len(leaves)
        value: Any = out_value
    else:
        grads = gradients(out, leaves, create_graph=nested)
        value = out if nested else out.data
    result = grads[0] if isinstance(argnums, int) else tuple(grads)
    return value, result


# f takes Values; the gradient function takes numbers (it makes the Values), so its
# parameters are not f's: typed as numbers in, a float (or a tuple of floats) out.
@overload
def grad(f: Callable[..., Any], argnums: int = 0) -> Callable[..., float]:
    """One argument: the gradient is a float."""


@overload
def grad(f: Callable[..., Any], argnums: Sequence[int]) -> Callable[..., tuple[float, ...]]:
    """Several arguments: a tuple of floats."""


def grad(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., Any]:
    """The gradient of scalar ``f`` with respect to argument ``argnums`` (an int, or a
    tuple of ints for a tuple of gradients), as in ``jax.grad``. The result takes the
    same arguments as ``f`` and returns a float (a ``Value`` when called with ``Value``
    arguments, which is how ``grad(grad(f))`` differentiates again).

    >>> grad(lambda x: x**3)(3.0)  # 3x^2
    27.0
    >>> grad(grad(lambda x: x**3))(3.0)  # 6x
    18.0
    """

    def grad_f(*args: Any) -> Any:
        return _eval_with_grads(f, argnums, args)[1]

    grad_f.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    grad_f.__doc__ = f"Gradient of {getattr(f, '__name__', 'f')} w.r.t. argument(s) {argnums}."
    return grad_f


def value_and_grad(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., tuple[Any, Any]]:
    """Like ``grad`` but returns ``(f(*args), gradient)`` from one evaluation."""

    def value_and_grad_f(*args: Any) -> tuple[Any, Any]:
        return _eval_with_grads(f, argnums, args)

    value_and_grad_f.__name__ = f"value_and_grad({getattr(f, '__name__', 'f')})"
    return value_and_grad_f


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[float],
    eps: float = 1e-6,
    atol: float = 1e-6,
    rtol: float = 1e-4,
) -> bool:
    """Compare ``f``'s backpropagated gradient with central differences at ``inputs``.

    ``f`` takes one ``Value`` per input and returns a ``Value``. Returns True when every
    entry satisfies ``|analytic - numeric| <= atol + rtol * |numeric|``; otherwise raises
    ``GradcheckError`` reporting the worst entry (as ``torch.autograd.gradcheck``).
    """
    for name, v in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
            raise ValueError(f"gradcheck's {name} must be a finite number >= 0, got {v!r:.40}")
    if eps == 0:
        raise ValueError("gradcheck's eps must be > 0: central differences divide by it")
    xs = [_as_float(x, "a gradcheck input") for x in inputs]
    leaves = [Value(x) for x in xs]
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck needs f to return a Value, got {type(out).__name__}")
    analytic = gradients(out, leaves)

    def at(values: list[float]) -> float:
        r = f(*[Value(v) for v in values])
        return r.data if isinstance(r, Value) else float(r)

    worst: tuple[float, int, float, float] | None = None
    for i, x in enumerate(xs):
        h = eps * max(1.0, abs(x))
        up, down = list(xs), list(xs)
        up[i], down[i] = x + h, x - h
        numeric = (at(up) - at(down)) / (2 * h)
        err = abs(analytic[i] - numeric)
        excess = err - (atol + rtol * abs(numeric))
        if not math.isfinite(err):
            excess = math.inf
        if excess > 0 and (worst is None or excess > worst[0]):
            worst = (excess, i, analytic[i], numeric)
    if worst is not None:
        _, i, a, n = worst
        raise GradcheckError(
            f"gradcheck failed: worst entry is input {i} (x = {xs[i]!r}): backward gives {a!r}, "
            f"central differences give {n!r} (|diff| = {abs(a - n):.3g}, "
            f"allowed {atol + rtol * abs(n):.3g})"
        )
    return True
