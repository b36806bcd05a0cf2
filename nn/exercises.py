"""Exercise checkers for the lesson notebooks (``notebooks/``).

An exercise cell holds a placeholder the student replaces, and a call to ``check``::

    from nn.exercises import check

    answer = ...  # your answer
    check("01-local-derivative", answer)

``check`` prints ``✓ right`` or ``✗ not yet: <hint>``; left as it is (``...``) the cell
still runs and says "not yet". Every expected answer is computed here, by chainrule
itself: a graph is built and backpropagated, an optimizer takes its step, a model counts
its parameters. No answer is a stored number. Some common mistakes are recognised (the
same computation done the wrong way) and get a hint of their own.

``EXERCISES`` lists them all (id -> ``Exercise``); ``expected(id)`` is the right answer,
``verdict(id, answer)`` returns ``(ok, message)`` without printing. The solutions live
apart from the lessons, in ``notebooks/solutions/``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd_core import Value, grad

from . import losses, optim
from .module import MLP, Dropout
from .rnn import RNN

Answer = Any


@dataclass(frozen=True)
class Exercise:
    """One exercise: its question, how to compute its answer, and hints.

    ``expected()`` computes the right answer with chainrule. ``mistakes`` pairs a common
    wrong computation with the hint it deserves; any other wrong answer gets ``hint``.
    Numbers are compared with a relative tolerance ``rtol`` (and absolute ``atol``), so
    an answer rounded to ``digits`` significant digits counts as right.
    """

    id: str
    question: str
    expected: Callable[[], Answer]
    hint: str
    mistakes: tuple[tuple[Callable[[], Answer], str], ...] = field(default=())
    rtol: float = 1e-3
    atol: float = 1e-9


EXERCISES: dict[str, Exercise] = {}


def _exercise(
    id: str,
    question: str,
    hint: str,
    mistakes: Sequence[tuple[Callable[[], Answer], str]] = (),
    rtol: float = 1e-3,
) -> Callable[[Callable[[], Answer]], Callable[[], Answer]]:
    def register(fn: Callable[[], Answer]) -> Callable[[], Answer]:
        EXERCISES[id] = Exercise(id, question, fn, hint, tuple(mistakes), rtol)
        return fn

    return register


# -- 01 values and the chain rule -------------------------------------------------------

# The neuron of lesson 1: inputs x1 = 2, x2 = 0, weights w1 = -3, w2 = 1, and a bias
# chosen so that n = x1 w1 + x2 w2 + b = atanh(1/sqrt(2)): then y = tanh(n) = 1/sqrt(2)
# and the tanh's local derivative 1 - y^2 is 1/2.
NEURON = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.8813735870195432}


def _neuron() -> tuple[dict[str, Value], Value, Value]:
    v = {k: Value(x, label=k) for k, x in NEURON.items()}
    n = v["x1"] * v["w1"] + v["x2"] * v["w2"] + v["b"]
    return v, n, n.tanh()


@_exercise(
    "01-local-derivative",
    "The neuron's tanh: y = tanh(n) with n = 0.8813735870195432. What is the local derivative dy/dn?",
    "d tanh(n)/dn = 1 - tanh(n)^2 = 1 - y^2. Compute y first (print it), then 1 - y^2.",
    [
        (lambda: _neuron()[2].data, "that is y itself; the derivative is 1 - y^2."),
        (lambda: 1 - _neuron()[2].data, "close: the derivative is 1 - y^2 (y squared), not 1 - y."),
    ],
)
def _local_derivative() -> float:
    y = _neuron()[2]
    return float(y.local_grads[0])  # the derivative the engine stored on the tanh node


def _consumers() -> tuple[Value, Value]:
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    u, v = a * b, a + c
    return a, u * v


@_exercise(
    "01-two-consumers",
    "a = 2, b = -3, c = 10; u = a * b, v = a + c, w = u * v. What is dw/da?",
    "a feeds two consumers, u and v: dw/da = (dw/du)(du/da) + (dw/dv)(dv/da) = v * b + u * 1.",
    [
        (lambda: (2.0 + 10.0) * -3.0, "that is only the path through u; add the path through v (v = a + c)."),
        (lambda: 2.0 * -3.0, "that is only the path through v; add the path through u (u = a * b)."),
    ],
)
def _two_consumers() -> float:
    a, w = _consumers()
    w.backward()
    return float(a.grad)


@_exercise(
    "01-neuron-weight",
    "For the neuron y = tanh(x1 w1 + x2 w2 + b) above (x1 = 2): what is dy/dw1?",
    "Chain rule: dy/dw1 = (dy/dn)(dn/dw1) = (1 - y^2) * x1.",
    [
        (lambda: NEURON["x1"], "that is dn/dw1 alone; multiply by the tanh's local derivative 1 - y^2."),
        (lambda: _local_derivative(), "that is dy/dn alone; multiply by dn/dw1 = x1."),
    ],
)
def _neuron_weight() -> float:
    v, _, y = _neuron()
    y.backward()
    return float(v["w1"].grad)


# -- 02 a worked example by hand --------------------------------------------------------

# Matt Mazur's "A Step by Step Backpropagation Example" (2015), its first output only.
MAZUR = {
    "x1": 0.05,
    "x2": 0.10,
    "w1": 0.15,
    "w2": 0.20,
    "w3": 0.25,
    "w4": 0.30,
    "b_h1": 0.35,
    "b_h2": 0.35,
    "w5": 0.40,
    "w6": 0.45,
    "b_o": 0.60,
    "t": 0.01,
}


def _mazur(shared_bias: bool = False, target: float | None = None) -> dict[str, Value]:
    """The 2-2-1 sigmoid network of lesson 2, backpropagated; returns every node by name."""
    v = {k: Value(x, label=k) for k, x in MAZUR.items()}
    if shared_bias:
        v["b_h2"] = v["b_h1"]
    if target is not None:
        v["t"] = Value(target, label="t")
    v["z_h1"] = v["w1"] * v["x1"] + v["w2"] * v["x2"] + v["b_h1"]
    v["z_h2"] = v["w3"] * v["x1"] + v["w4"] * v["x2"] + v["b_h2"]
    v["h1"], v["h2"] = v["z_h1"].sigmoid(), v["z_h2"].sigmoid()
    v["z_o"] = v["w5"] * v["h1"] + v["w6"] * v["h2"] + v["b_o"]
    v["o"] = v["z_o"].sigmoid()
    v["E"] = 0.5 * (v["t"] - v["o"]) ** 2
    v["E"].backward()
    return v


def _output(target: float) -> tuple[float, float]:
    o = _mazur(target=target)["o"].data
    return o, target


@_exercise(
    "02-delta-output-target",
    "Same network and input, but the target is t = 0.99 (Mazur's second output's target). "
    "What is delta_o = dE/dz_o?",
    "delta_o = (o - t) * o (1 - o): the error's derivative (o - t) times the sigmoid's slope at o. "
    "o is unchanged (0.751365070): only the target moved.",
    [
        (lambda: _output(0.99)[0] - 0.99, "that is dE/do; go on through the sigmoid: times o (1 - o)."),
        (
            lambda: (0.99 - _output(0.99)[0]) * _output(0.99)[0] * (1 - _output(0.99)[0]),
            "sign: E = (t - o)^2 / 2, so dE/do = o - t (negative here: o is below the target).",
        ),
    ],
)
def _delta_output_target() -> float:
    return float(_mazur(target=0.99)["z_o"].grad)


@_exercise(
    "02-sgd-step",
    "One step of gradient descent with learning rate 0.5: the new value of w6?",
    "w6 - 0.5 * dE/dw6, with dE/dw6 = delta_o * h2 from the table.",
    [
        (
            lambda: MAZUR["w6"] + 0.5 * _mazur()["w6"].grad,
            "the step goes against the gradient: subtract it.",
        ),
        (lambda: MAZUR["w6"] - _mazur()["w6"].grad, "multiply the gradient by the learning rate 0.5."),
    ],
)
def _sgd_step() -> float:
    v = _mazur()
    optim.SGD([v["w6"]], lr=0.5).step()
    return float(v["w6"].data)


@_exercise(
    "02-shared-bias",
    "In Mazur's original both hidden neurons share ONE bias b1. What would dE/db1 be then?",
    "A shared value has two consumers (z_h1 and z_h2): its gradient is the sum "
    "delta_h1 + delta_h2 (each neuron's delta times dz/db = 1).",
    [
        (
            lambda: _mazur()["z_h1"].grad,
            "that is the path through h1 only; b1 also feeds z_h2: add delta_h2.",
        ),
        (
            lambda: _mazur()["z_h2"].grad,
            "that is the path through h2 only; b1 also feeds z_h1: add delta_h1.",
        ),
    ],
)
def _shared_bias() -> float:
    return float(_mazur(shared_bias=True)["b_h1"].grad)


# -- 03 from a neuron to an MLP ---------------------------------------------------------


def _bce_at(z: float, t: int) -> Value:
    logit = Value(z, label="z")
    losses.bce(logit, t).backward()
    return logit


@_exercise(
    "03-bce-logit-gradient",
    "bce from a logit: for z = 0.5 and label t = 1, what is d loss / dz?",
    "For bce on a logit the sigmoid and the log cancel nicely: d loss/dz = sigmoid(z) - t.",
    [
        (lambda: 1 - _sigmoid(0.5), "right size, wrong sign: it is sigmoid(z) - t."),
        (
            lambda: -1 / _sigmoid(0.5),
            "that is d loss/dp with p = sigmoid(z); multiply by dp/dz = p (1 - p).",
        ),
    ],
)
def _bce_logit_gradient() -> float:
    return float(_bce_at(0.5, 1).grad)


def _sigmoid(z: float) -> float:
    return Value(z).sigmoid().data


@_exercise(
    "03-parameter-count",
    "How many parameters has MLP(2, [8, 8, 1])?",
    "Each neuron has one weight per input plus one bias: (2 + 1) * 8 + (8 + 1) * 8 + (8 + 1) * 1.",
    [(lambda: 2 * 8 + 8 * 8 + 8 * 1, "you counted the weights; every neuron also has a bias.")],
    rtol=0.0,
)
def _parameter_count() -> int:
    return MLP(2, [8, 8, 1], seed=0).num_parameters()


# -- 04 optimizers and learning rates ---------------------------------------------------


def _one_weight(optimizer: Callable[[list[Value]], optim.Optimizer], grads: Sequence[float]) -> float:
    """theta = 1.0 stepped by ``optimizer`` with the given gradients, one per step."""
    theta = Value(1.0, label="theta")
    opt = optimizer([theta])
    for g in grads:
        theta.grad = g
        opt.step()
    return float(theta.data)


@_exercise(
    "04-momentum-step",
    "theta = 1.0; SGD with lr 0.1 and momentum 0.9 sees the gradient 0.5 twice. theta after the two steps?",
    "Step 1: b = g = 0.5, theta -= 0.1 * b. Step 2: b = 0.9 * b + g = 0.95, theta -= 0.1 * b.",
    [
        (
            lambda: _one_weight(lambda p: optim.SGD(p, lr=0.1), [0.5, 0.5]),
            "that is plain SGD; with momentum the second step is 0.1 * (0.9 * 0.5 + 0.5).",
        )
    ],
)
def _momentum_step() -> float:
    return _one_weight(lambda p: optim.SGD(p, lr=0.1, momentum=0.9), [0.5, 0.5])


@_exercise(
    "04-adam-first-step",
    "theta = 1.0, gradient 0.2, Adam with lr 0.1 (betas 0.9, 0.999). theta after the first step?",
    "At t = 1 the bias corrections give m_hat = g and v_hat = g^2, so the step is "
    "lr * g / (|g| + eps): about lr, whatever the size of g.",
    [
        (
            lambda: _one_weight(lambda p: optim.SGD(p, lr=0.1), [0.2]),
            "that is plain SGD (lr * g); Adam divides by sqrt(v_hat) = |g|.",
        )
    ],
    rtol=1e-6,
)
def _adam_first_step() -> float:
    return _one_weight(lambda p: optim.Adam(p, lr=0.1), [0.2])


def _quadratic(w: Value) -> Value:
    return 2 * w * w


@_exercise(
    "04-largest-stable-lr",
    "L(w) = 2 w^2. Gradient descent w <- w - lr * L'(w) diverges for every lr above which value?",
    "L'(w) = 4 w, so one step maps w to (1 - 4 lr) w. It shrinks only while |1 - 4 lr| < 1. "
    "In general: 2 / L''.",
    [
        (
            lambda: 1 / grad(grad(_quadratic))(1.0),
            "that lr reaches the minimum in one step (1 - 4 lr = 0); larger still converges, "
            "zig-zagging, up to a limit.",
        )
    ],
)
def _largest_stable_lr() -> float:
    curvature = grad(grad(_quadratic))(1.0)  # L''(w) = 4, the same at every w
    return 2 / curvature


# -- 05 regularisation ------------------------------------------------------------------


@_exercise(
    "05-l2-gradient",
    "fit(..., l2=0.01) adds 0.01 * sum(w^2) to the loss. How much does it add to d loss / dw "
    "for a weight w = 0.8?",
    "d/dw of 0.01 * w^2 is 2 * 0.01 * w.",
    [
        (lambda: 0.01 * 0.8, "the derivative of w^2 is 2 w: you are missing the 2."),
        (lambda: 0.01 * 0.8**2, "that is the penalty itself; its derivative is 2 * 0.01 * w."),
    ],
)
def _l2_gradient() -> float:
    w = Value(0.8, label="w")
    (losses.l2_penalty([w]) * 0.01).backward()
    return float(w.grad)


@_exercise(
    "05-dropout-scale",
    "Dropout(p=0.3) in training mode: an activation of 2.0 that is kept comes out as what?",
    "Inverted dropout scales the survivors by 1 / (1 - p), so the expected value stays 2.0.",
    [
        (lambda: 2.0 * (1 - 0.3), "that scales by (1 - p); inverted dropout divides by it instead."),
        (lambda: 2.0, "in training mode the kept values are scaled up, by 1 / (1 - p)."),
    ],
)
def _dropout_scale() -> float:
    drop = Dropout(0.3, seed=0)
    drop.train()
    out = drop([Value(2.0) for _ in range(20)])
    return next(float(v.data) for v in out if v.data != 0.0)


# -- 06 vanishing gradients -------------------------------------------------------------


def _sigmoid_max_slope() -> float:
    return float(grad(lambda z: z.sigmoid())(0.0))  # the slope is largest at z = 0


@_exercise(
    "06-sigmoid-chain-bound",
    "At most how much can 8 sigmoid layers (each weight of size at most 1) scale a gradient? "
    "(The factor per layer is w * sigmoid'(z).)",
    "sigmoid'(z) = s (1 - s) is at most 1/4 (at z = 0); 8 layers multiply 8 such factors.",
    [
        (lambda: 8 * _sigmoid_max_slope(), "the factors multiply, they do not add: (1/4) ** 8."),
        (lambda: _sigmoid_max_slope(), "that is one layer; there are 8 of them in the chain."),
    ],
)
def _sigmoid_chain_bound() -> float:
    return _sigmoid_max_slope() ** 8


def _relu_neuron() -> tuple[Value, Value]:
    w, b, x = Value(0.6, label="w"), Value(-1.0, label="b"), 1.5
    out = (w * x + b).relu()
    out.backward()
    return w, out


@_exercise(
    "06-dead-relu-gradient",
    "A relu neuron with weight w = 0.6, bias b = -1.0 and input x = 1.5: what is d output / dw?",
    "First compute z = w x + b. relu'(z) is 1 for z > 0 and 0 for z <= 0.",
    [(lambda: 1.5, "that is dz/dw = x; now multiply by relu'(z) at z = 0.6 * 1.5 - 1.0.")],
)
def _dead_relu_gradient() -> float:
    return float(_relu_neuron()[0].grad)


# -- 07 recurrent networks --------------------------------------------------------------


def _linear_rnn(steps: int | None = None) -> Value:
    """h_t = w h_(t-1) + x_t over x = 1, 2, 3, h_0 = 0; returns w after backprop of h_3
    (``steps``: backpropagate through only the last that many steps)."""
    w = Value(0.5, label="w")
    h: Value | float = 0.0
    xs = [1.0, 2.0, 3.0]
    for t, x in enumerate(xs):
        if steps is not None and t == len(xs) - steps and isinstance(h, Value):
            h = h.detach()
        h = w * h + x
    assert isinstance(h, Value)
    h.backward()
    return w


@_exercise(
    "07-bptt-sum",
    "A one-unit linear RNN h_t = w h_(t-1) + x_t, h_0 = 0, w = 0.5, inputs 1, 2, 3. What is dh_3/dw?",
    "w is used at every step: dh_3/dw = h_2 + w dh_2/dw, and dh_2/dw = h_1 + w dh_1/dw. "
    "Unroll it (h_1 = 1, h_2 = 2.5) and add the contributions.",
    [
        (
            lambda: _linear_rnn(steps=1).grad,
            "that is only the last step's use of w (h_2); BPTT sums all steps.",
        ),
    ],
)
def _bptt_sum() -> float:
    return float(_linear_rnn().grad)


@_exercise(
    "07-parameter-count",
    "How many parameters has RNN(1, 6) (1 input, 6 hidden units, 1 output), unrolled over 6 steps?",
    "Count W_xh (6 x 1), W_hh (6 x 6), b_h (6), W_hy (1 x 6), b_y (1): unrolling reuses them.",
    [
        (
            lambda: 6 * RNN(1, 6, seed=0).num_parameters(),
            "unrolling does not copy the weights: every step uses the same ones.",
        )
    ],
    rtol=0.0,
)
def _rnn_parameters() -> int:
    return RNN(1, 6, seed=0).num_parameters()


# -- 08 digits --------------------------------------------------------------------------


@_exercise(
    "08-chance-loss",
    "An untrained 10-class network gives every class the same logit. Its cross-entropy loss?",
    "Equal logits give softmax probabilities 1/10; the loss is -log of the true class's probability.",
    [
        (lambda: 0.1, "that is the probability p; the loss is -log p."),
        (lambda: math.log10(10.0), "use the natural logarithm (ln), as cross-entropy does."),
    ],
)
def _chance_loss() -> float:
    return float(losses.cross_entropy([Value(0.0) for _ in range(10)], 3).data)


def _softmax_case() -> list[Value]:
    zs = [Value(v, label=f"z{k}") for k, v in enumerate((2.0, 1.0, 0.1))]
    losses.cross_entropy(zs, 0).backward()
    return zs


@_exercise(
    "08-softmax-gradient",
    "Logits z = [2.0, 1.0, 0.1], true class 0. What is d loss / dz_0 for the softmax cross-entropy?",
    "d loss/dz_k = p_k - [k is the true class], with p = softmax(z).",
    [
        (
            lambda: math.exp(2.0) / (math.exp(2.0) + math.exp(1.0) + math.exp(0.1)),
            "that is p_0; subtract 1 for the true class.",
        )
    ],
)
def _softmax_gradient() -> float:
    return float(_softmax_case()[0].grad)


# -- 09 online, mini-batch, full batch --------------------------------------------------


@_exercise(
    "09-updates-per-epoch",
    "200 samples, batch_size=32: how many parameter updates does fit make per epoch?",
    "Batches of 32 until the data runs out; the last batch is smaller but still one update.",
    [(lambda: 200 // 32, "the 8 samples left over make one more (smaller) batch.")],
    rtol=0.0,
)
def _updates_per_epoch() -> int:
    from .data import make_moons
    from .training import Callback, fit

    class Count(Callback):
        updates = 0

        def on_batch_end(self, run: Any, loss: float) -> None:
            Count.updates += 1

    X, y = make_moons(200, seed=0)
    model = MLP(2, [2, 1], seed=0)
    fit(model, X, y, loss="bce", optimizer=optim.SGD(model.parameters(), lr=0.1), epochs=1,
        batch_size=32, progress=False, callbacks=[Count()])  # fmt: skip
    return Count.updates


def _batch_gradient(reduce_mean: bool = True) -> float:
    w = Value(0.5, label="w")
    terms = [losses.mse(w * x, t) for x, t in ((1.0, 1.0), (2.0, 2.0))]
    total = terms[0] + terms[1]
    (total * 0.5 if reduce_mean else total).backward()
    return float(w.grad)


@_exercise(
    "09-batch-gradient",
    "Model y = w x with w = 0.5, squared error (w x - t)^2, mini-batch (x, t) = (1, 1), (2, 2). "
    "What is the batch gradient dL/dw (fit's L: the mean over the batch)?",
    "Per sample d/dw (w x - t)^2 = 2 (w x - t) x; the batch gradient is their mean.",
    [(lambda: _batch_gradient(reduce_mean=False), "that is the sum; fit averages over the batch.")],
)
def _batch_gradient_mean() -> float:
    return _batch_gradient()


# -- checking ---------------------------------------------------------------------------


def expected(exercise_id: str) -> Answer:
    """The right answer to one exercise, computed now with chainrule."""
    return _get(exercise_id).expected()


def _get(exercise_id: str) -> Exercise:
    if exercise_id not in EXERCISES:
        raise KeyError(f"no exercise {exercise_id!r}; known: {', '.join(EXERCISES)}")
    return EXERCISES[exercise_id]


def _close(answer: Any, target: Any, ex: Exercise) -> bool:
    return math.isclose(float(answer), float(target), rel_tol=ex.rtol, abs_tol=ex.atol)


def _as_number(answer: Any) -> float | None:
    if isinstance(answer, Value):
        answer = answer.data
    if isinstance(answer, bool) or (
        not isinstance(answer, (int, float)) and not hasattr(answer, "__float__")
    ):
        return None
    try:
        x = float(answer)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def verdict(exercise_id: str, answer: Any) -> tuple[bool, str]:
    """``(True, "✓ right")`` or ``(False, "✗ not yet: <hint>")``, printing nothing."""
    ex = _get(exercise_id)
    if answer is Ellipsis:
        return False, "✗ not yet: replace the ... with your answer (one number) and run the cell again."
    x = _as_number(answer)
    if x is None:
        return (
            False,
            f"✗ not yet: the answer should be one finite number, got {answer!r:.60}. Hint: {ex.hint}",
        )
    right = ex.expected()
    if _close(x, right, ex):
        return True, "✓ right"
    for mistake, hint in ex.mistakes:
        if _close(x, mistake(), ex):
            return False, f"✗ not yet: {hint}"
    return False, f"✗ not yet: {ex.hint}"


def check(exercise_id: str, answer: Any) -> None:
    """Print whether ``answer`` is right (``✓ right``) or not yet, with a hint."""
    print(verdict(exercise_id, answer)[1])


def question(exercise_id: str) -> str:
    """The question of one exercise, as the lesson asks it."""
    return _get(exercise_id).question


__all__ = ["EXERCISES", "Exercise", "check", "expected", "question", "verdict"]
