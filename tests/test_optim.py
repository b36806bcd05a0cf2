"""Optimizers and schedules: each lowers a loss; Rprop and CG converge on a quadratic;
each update rule matches torch.optim step by step when torch is installed."""

from __future__ import annotations

import math

import pytest

from autograd_core import Value, vsum
from nn import optim

# A fixed, ill-conditioned problem: f(w) = sum_i a_i (w_i - c_i)^2 + (w_0 w_1 - 1)^2 / 4.
A = [1.0, 4.0, 0.5]
C = [0.5, -1.0, 2.0]


def problem(ws: list[Value]) -> Value:
    terms = [a * (w - c) ** 2 for a, w, c in zip(A, ws, C)]
    return vsum(terms) + (ws[0] * ws[1] - 1.0) ** 2 * 0.25


def make(kind: str, ws: list[Value]) -> optim.Optimizer:
    return {
        "sgd": lambda: optim.SGD(ws, lr=0.05),
        "momentum": lambda: optim.SGD(ws, lr=0.02, momentum=0.9),
        "nesterov": lambda: optim.SGD(ws, lr=0.02, momentum=0.9, nesterov=True),
        "weight_decay": lambda: optim.SGD(ws, lr=0.05, weight_decay=0.01),
        "rmsprop": lambda: optim.RMSprop(ws, lr=0.01),
        "adam": lambda: optim.Adam(ws, lr=0.05),
        "adamw": lambda: optim.AdamW(ws, lr=0.05),
        "rprop": lambda: optim.Rprop(ws, lr=0.01),
        "cg": lambda: optim.ConjugateGradient(ws, lr=0.1),
    }[kind]()


KINDS = ["sgd", "momentum", "nesterov", "weight_decay", "rmsprop", "adam", "adamw", "rprop", "cg"]


def run(kind: str, steps: int) -> tuple[float, float, list[float]]:
    ws = [Value(0.0), Value(0.0), Value(0.0)]
    opt = make(kind, ws)
    start = problem(ws).data

    def closure() -> float:
        opt.zero_grad()
        loss = problem(ws)
        loss.backward()
        return loss.data

    for _ in range(steps):
        if opt.needs_closure:
            opt.step(closure)
        else:
            closure()
            opt.step()
    return start, problem(ws).data, [w.data for w in ws]


@pytest.mark.parametrize("kind", KINDS)
def test_every_optimizer_lowers_the_loss(kind: str) -> None:
    start, end, _ = run(kind, 100)
    assert end < 0.5 * start, (kind, start, end)


def quadratic_minimum() -> list[float]:
    """The minimiser of ``problem`` by many steps of Newton-free gradient descent."""
    _, _, ws = run("sgd", 5000)
    return ws


@pytest.mark.parametrize("kind", ["rprop", "cg"])
def test_rprop_and_cg_converge(kind: str) -> None:
    target = quadratic_minimum()
    _, _end, ws = run(kind, 200)
    assert ws == pytest.approx(target, abs=1e-5)


def test_cg_beats_steepest_descent_on_an_ill_conditioned_quadratic() -> None:
    # f = 0.5 x^T diag(1, 100) x: CG needs a handful of steps, gradient descent hundreds.
    def f(ws: list[Value]) -> Value:
        return ws[0] ** 2 * 0.5 + ws[1] ** 2 * 50.0

    ws = [Value(1.0), Value(1.0)]
    opt = optim.ConjugateGradient(ws, lr=1.0)

    def closure() -> float:
        opt.zero_grad()
        loss = f(ws)
        loss.backward()
        return loss.data

    for _ in range(25):
        opt.step(closure)
    assert f(ws).data < 1e-10
    # Rprop needs only signs, so the condition number does not slow it down either.
    ws = [Value(1.0), Value(1.0)]
    rprop = optim.Rprop(ws, lr=0.1)
    for _ in range(100):
        rprop.zero_grad()
        f(ws).backward()
        rprop.step()
    assert f(ws).data < 1e-10


def test_optimizer_input_errors() -> None:
    with pytest.raises(ValueError, match="empty"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="learning rate"):
        optim.Adam([Value(1.0)], lr=-1)
    with pytest.raises(TypeError, match="Values"):
        optim.SGD([1.0], lr=0.1)  # type: ignore[list-item]
    with pytest.raises(ValueError, match="closure"):
        optim.ConjugateGradient([Value(1.0)]).step()
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([Value(1.0)], nesterov=True)


def test_docstrings_write_the_update_rule() -> None:
    for cls in (optim.SGD, optim.RMSprop, optim.Adam, optim.Rprop, optim.ConjugateGradient):
        assert cls.__doc__ and "math::" in cls.__doc__ and "θ" in cls.__doc__


def test_schedules() -> None:
    opt = optim.SGD([Value(1.0)], lr=1.0)
    s = optim.StepLR(opt, step_size=2, gamma=0.5)
    lrs = []
    for _ in range(5):
        s.step()
        lrs.append(opt.lr)
    assert lrs == [1.0, 0.5, 0.5, 0.25, 0.25]
    opt = optim.SGD([Value(1.0)], lr=1.0)
    e = optim.ExponentialLR(opt, gamma=0.9)
    e.step()
    e.step()
    assert opt.lr == pytest.approx(0.81)
    opt = optim.SGD([Value(1.0)], lr=1.0)
    c = optim.CosineAnnealingLR(opt, T_max=4, eta_min=0.1)
    seen = []
    for _ in range(4):
        c.step()
        seen.append(opt.lr)
    assert seen == pytest.approx([0.1 + 0.9 * (1 + math.cos(math.pi * t / 4)) / 2 for t in (1, 2, 3, 4)])
    assert seen[-1] == pytest.approx(0.1)


# ---- optional: the same updates as torch.optim ------------------------------------------


def _torch_pair(kind: str):  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    ctor = {
        "sgd": (lambda p: torch.optim.SGD(p, lr=0.05), lambda w: optim.SGD(w, lr=0.05)),
        "momentum": (
            lambda p: torch.optim.SGD(p, lr=0.02, momentum=0.9, dampening=0.1, weight_decay=0.01),
            lambda w: optim.SGD(w, lr=0.02, momentum=0.9, dampening=0.1, weight_decay=0.01),
        ),
        "nesterov": (
            lambda p: torch.optim.SGD(p, lr=0.02, momentum=0.9, nesterov=True),
            lambda w: optim.SGD(w, lr=0.02, momentum=0.9, nesterov=True),
        ),
        "rmsprop": (
            lambda p: torch.optim.RMSprop(p, lr=0.01, momentum=0.5, weight_decay=0.01),
            lambda w: optim.RMSprop(w, lr=0.01, momentum=0.5, weight_decay=0.01),
        ),
        "adam": (
            lambda p: torch.optim.Adam(p, lr=0.05, weight_decay=0.01),
            lambda w: optim.Adam(w, lr=0.05, weight_decay=0.01),
        ),
        "adamw": (lambda p: torch.optim.AdamW(p, lr=0.05), lambda w: optim.AdamW(w, lr=0.05)),
        "rprop": (lambda p: torch.optim.Rprop(p, lr=0.01), lambda w: optim.Rprop(w, lr=0.01)),
    }[kind]
    return torch, ctor


@pytest.mark.parametrize("kind", ["sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw", "rprop"])
def test_updates_match_torch_optim(kind: str) -> None:
    torch, (make_torch, make_ours) = _torch_pair(kind)
    ws = [Value(0.3), Value(-0.2), Value(0.1)]
    ts = torch.tensor([0.3, -0.2, 0.1], dtype=torch.float64, requires_grad=True)
    ours, theirs = make_ours(ws), make_torch([ts])
    for _ in range(30):
        ours.zero_grad()
        problem(ws).backward()
        ours.step()
        theirs.zero_grad()
        t = ts
        loss = (
            sum(a * (t[i] - c) ** 2 for i, (a, c) in enumerate(zip(A, C))) + (t[0] * t[1] - 1.0) ** 2 * 0.25
        )
        loss.backward()
        theirs.step()
    assert [w.data for w in ws] == pytest.approx(ts.detach().tolist(), rel=1e-10, abs=1e-12)


def test_schedules_match_torch() -> None:
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.zeros(1))
    pairs = [
        (lambda o: torch.optim.lr_scheduler.StepLR(o, 3, 0.5), lambda o: optim.StepLR(o, 3, 0.5)),
        (lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.9), lambda o: optim.ExponentialLR(o, 0.9)),
        (
            lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 7, 0.01),
            lambda o: optim.CosineAnnealingLR(o, 7, 0.01),
        ),
    ]
    for make_t, make_o in pairs:
        topt = torch.optim.SGD([p], lr=0.1)
        ts = make_t(topt)
        oopt = optim.SGD([Value(0.0)], lr=0.1)
        os_ = make_o(oopt)
        for _ in range(7):
            topt.step()
            ts.step()
            os_.step()
            assert oopt.lr == pytest.approx(topt.param_groups[0]["lr"], rel=1e-12)


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda ps: optim.SGD(ps, lr=True), "learning rate"),
        (lambda ps: optim.SGD(ps, lr=0.1, momentum=float("nan")), "momentum"),
        (lambda ps: optim.SGD(ps, lr=0.1, momentum=-1), "momentum"),
        (lambda ps: optim.SGD(ps, lr=0.1, weight_decay=float("nan")), "weight_decay"),
        (lambda ps: optim.Adam(ps, betas=(1.0, 0.999)), r"betas\[0\]"),
        (lambda ps: optim.Adam(ps, betas=(0.9,)), "pair"),
        (lambda ps: optim.RMSprop(ps, alpha=1.5), "alpha"),
        (lambda ps: optim.Rprop(ps, etas=(2.0, 1.2)), r"etas\[0\]"),
    ],
)
def test_hyperparameters_out_of_range_are_refused(make, words) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=words):
        make([Value(1.0)])
