"""``python -m autograd_core``: build a small expression, backpropagate, print gradients."""

from __future__ import annotations

from autograd_core import Value, grad


def main() -> None:
    """Print a worked example of the chain rule."""
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = Value(10.0, label="c")
    e = a * b
    d = e + c
    f = Value(-2.0, label="f")
    L = (d * f).tanh()
    L.backward()
    print("L = tanh((a*b + c) * f) with a=2, b=-3, c=10, f=-2")
    print(f"L = {L.data:.6f}")
    for v in (a, b, c, f):
        print(f"dL/d{v.label} = {v.grad:+.6f}")
    print(f"d2/dx2 of x**3 at 2 (grad of grad) = {grad(grad(lambda x: x**3))(2.0)}")


if __name__ == "__main__":
    main()
