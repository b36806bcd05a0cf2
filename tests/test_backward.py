"""backward: random graphs against finite differences, accumulation, depth, order,
higher order, and an acyclic graph freed by reference counting."""

from __future__ import annotations

import gc
import math
import weakref

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import Program, central_difference, programs, reals

from autograd_core import Value, gradients, topological_order


@given(programs(), st.data())
def test_random_graphs_match_finite_differences(prog: Program, data: st.DataObject) -> None:
    xs = data.draw(st.lists(reals(-2, 2), min_size=prog.n_inputs, max_size=prog.n_inputs))
    leaves = [Value(x) for x in xs]
    out = prog.run(leaves)
    out.backward()
    for i, leaf in enumerate(leaves):
        numeric = central_difference(lambda v: prog.run([Value(x) for x in v]).data, xs, i)
        scale = max(1.0, abs(numeric))
        assert abs(leaf.grad - numeric) <= 1e-5 * scale, (i, leaf.grad, numeric)


@given(programs(), st.data())
def test_random_graphs_gradients_function_agrees_with_backward(prog: Program, data: st.DataObject) -> None:
    xs = data.draw(st.lists(reals(-2, 2), min_size=prog.n_inputs, max_size=prog.n_inputs))
    leaves = [Value(x) for x in xs]
    out = prog.run(leaves)
    got = gradients(out, leaves)
    assert all(leaf.grad == 0.0 for leaf in leaves)  # gradients() leaves .grad alone
    out.backward()
    assert got == [leaf.grad for leaf in leaves]


@given(programs(max_steps=20))
def test_topological_order_puts_parents_first(prog: Program) -> None:
    out = prog.run([Value(0.3 * i) for i in range(prog.n_inputs)])
    order = topological_order(out)
    position = {id(n): k for k, n in enumerate(order)}
    assert order[-1] is out and len(position) == len(order)  # no duplicates
    for n in order:
        for p in n.parents:
            assert position[id(p)] < position[id(n)]


def test_a_value_used_several_times_sums_its_paths() -> None:
    x = Value(3.0)
    y = x * x + x  # dy/dx = 2x + 1
    y.backward()
    assert x.grad == 7.0
    a = Value(2.0)
    b = a + a
    b.backward()
    assert a.grad == 2.0


def test_repeated_backward_accumulates_like_pytorch() -> None:
    x = Value(2.0)
    h = x * x
    y = h * 3.0
    y.backward()
    y.backward()
    assert x.grad == 2 * 12.0 and h.grad == 2 * 3.0 and y.grad == 2.0
    x.grad = 0.0
    y.zero_grad()
    assert (x.grad, h.grad, y.grad) == (0.0, 0.0, 0.0)
    y.backward(grad=0.5)
    assert x.grad == 6.0


def test_gradients_flow_only_to_dependencies() -> None:
    a, b = Value(1.0), Value(2.0)
    c = a * 2
    c.backward()
    assert a.grad == 2.0 and b.grad == 0.0
    assert gradients(c, [a, b]) == [2.0, 0.0]


def test_a_million_deep_chain() -> None:
    # micrograd's recursive sort dies near 1,000 deep.
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + 1e-6
    y.backward()
    assert x.grad == 1.0 and y.data == pytest.approx(2.0)
    assert len(topological_order(y)) == 2_000_001  # each step adds a constant leaf too


def test_graph_has_no_reference_cycles() -> None:
    gc.collect()
    gc.disable()
    try:
        x = Value(1.5)
        y = (x * x).tanh() + x.exp() / (x + 1)
        y.backward()
        probes = [weakref.ref(n) for n in topological_order(y) if n is not x]
        del y
        # Reference counting alone (the collector is off) must free every node.
        assert all(p() is None for p in probes)
    finally:
        gc.enable()


def test_second_derivative_of_cube() -> None:
    x = Value(2.0)
    y = x**3
    y.backward(create_graph=True)
    dydx = x.grad
    assert isinstance(dydx, Value) and dydx.data == 12.0
    x.grad = 0.0
    dydx.backward()
    assert x.grad == 12.0  # d2/dx2 x**3 = 6x


def test_third_derivative_through_gradients() -> None:
    x = Value(0.7)
    y = x.sin() * x
    (g1,) = gradients(y, [x], create_graph=True)
    (g2,) = gradients(g1, [x], create_graph=True)
    (g3,) = gradients(g2, [x])
    # y = x sin x; y' = sin x + x cos x; y'' = 2cos x - x sin x; y''' = -3 sin x - x cos x
    assert g1.data == pytest.approx(math.sin(0.7) + 0.7 * math.cos(0.7))
    assert g2.data == pytest.approx(2 * math.cos(0.7) - 0.7 * math.sin(0.7))
    assert g3 == pytest.approx(-3 * math.sin(0.7) - 0.7 * math.cos(0.7))


def test_hessian_vector_product() -> None:
    # f(x, y) = x^2 y + sin(x y); H v computed as d/dx (grad f . v).
    x0, y0, v = 0.8, -1.3, (0.5, 2.0)
    x, y = Value(x0), Value(y0)
    f = x * x * y + (x * y).sin()
    gx, gy = gradients(f, [x, y], create_graph=True)
    hv = gradients(gx * v[0] + gy * v[1], [x, y])
    s, c = math.sin(x0 * y0), math.cos(x0 * y0)
    hxx = 2 * y0 - y0 * y0 * s
    hxy = 2 * x0 + c - x0 * y0 * s
    hyy = -x0 * x0 * s
    assert hv[0] == pytest.approx(hxx * v[0] + hxy * v[1])
    assert hv[1] == pytest.approx(hxy * v[0] + hyy * v[1])


@given(programs(max_steps=8), st.data())
def test_create_graph_first_derivatives_match_plain_backward(prog: Program, data: st.DataObject) -> None:
    xs = data.draw(st.lists(reals(-2, 2), min_size=prog.n_inputs, max_size=prog.n_inputs))
    leaves = [Value(x) for x in xs]
    out = prog.run(leaves)
    plain = gradients(out, leaves)
    recorded = gradients(out, leaves, create_graph=True)
    for p, r in zip(plain, recorded):
        r_data = r.data if isinstance(r, Value) else r
        assert r_data == pytest.approx(p, rel=1e-9, abs=1e-12)


@given(programs(max_inputs=2, max_steps=6), st.data())
def test_second_derivatives_match_finite_differences_of_gradients(prog: Program, data: st.DataObject) -> None:
    xs = data.draw(st.lists(reals(-1.5, 1.5), min_size=prog.n_inputs, max_size=prog.n_inputs))
    leaves = [Value(x) for x in xs]
    (g0, *_rest) = gradients(prog.run(leaves), leaves, create_graph=True)
    if not isinstance(g0, Value):
        return  # the output does not depend on input 0
    second = gradients(g0, leaves)

    def first(v: list[float]) -> float:
        ls = [Value(x) for x in v]
        return gradients(prog.run(ls), ls)[0]

    for j in range(prog.n_inputs):
        numeric = central_difference(first, xs, j, h=1e-5)
        assert abs(second[j] - numeric) <= 1e-4 * max(1.0, abs(numeric)), (j, second[j], numeric)


def test_backward_rejects_non_values() -> None:
    from autograd_core import backward

    with pytest.raises(TypeError, match="Value"):
        backward(3.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Value"):
        topological_order([Value(1.0)])  # type: ignore[arg-type]


@given(programs(), st.data(), reals(-3, 3))
def test_fast_backward_equals_the_readable_chain_rule(
    prog: Program, data: st.DataObject, seed: float
) -> None:
    """backward_fast (running sums on the nodes) and chain_rule (the readable loop)
    give identical gradients, not merely close ones, on every node of random graphs."""
    from autograd_core.backward import backward_fast, chain_rule

    xs = data.draw(st.lists(reals(-2, 2), min_size=prog.n_inputs, max_size=prog.n_inputs))
    out = prog.run([Value(x) for x in xs])
    readable = chain_rule(out, seed)
    backward_fast(out, seed)
    for node in topological_order(out):
        expected = readable.get(node, 0.0)
        assert node.grad == expected or (math.isnan(node.grad) and math.isnan(expected))


def test_fast_backward_leaves_no_scratch_behind_after_an_error() -> None:
    """An interrupted pass must not leave running sums that a later pass would read."""
    from autograd_core.backward import backward_fast

    x = Value(2.0)
    y = x * x
    with pytest.raises(TypeError):
        backward_fast(y, "not a number")  # type: ignore[arg-type]
    y.backward()
    assert x.grad == 4.0


def test_threads_backpropagating_into_shared_parameters_add_up_exactly() -> None:
    import sys
    import threading

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        w, w2 = Value(0.5), Value(0.5)

        def work(v: Value, n: int) -> None:
            for _ in range(n):
                ((v * 0.01).tanh() * v + v * v).backward()

        threads = [threading.Thread(target=work, args=(w, 1500)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        work(w2, 3000)
    finally:
        sys.setswitchinterval(old)
    assert w.grad == pytest.approx(w2.grad, rel=1e-12)
