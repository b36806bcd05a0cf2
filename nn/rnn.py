"""``RNN``: a scalar recurrent network (Elman cell) unrolled over a sequence and trained
by backpropagation through time (BPTT), optionally truncated.

    h_t = act(W_xh x_t + W_hh h_{t-1} + b_h)        (one ``dot`` node per hidden unit)
    y_t = W_hy h_t + b_y

Unrolling a sequence of length T builds one graph in which the same weights appear T
times; ``backward`` then sums each weight's gradient over every time step, which *is*
BPTT. With ``truncate=k`` the hidden state is detached every k steps, so gradients flow
back at most k steps (truncated BPTT: cheaper, and no exploding products of T factors).

Values are labelled by their place (labels are names only, for pictures and replays):
parameters ``W_xh[i,j]``, ``W_hh[i,j]``, ``b_h[i]``, ``W_hy[k,i]``, ``b_y[k]`` (i a hidden
unit, j an input, k an output); at step t = 1, 2, ... the inputs ``x[t][j]``, the weighted
sum ``W·[x,h][t][i]``, the pre-activation ``z[t][i]``, the hidden state ``h[t][i]`` (an
initial state of numbers is ``h[0][i]``), the output's sum ``W_hy·h[t][k]`` and the
output ``y[t][k]``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

from autograd_core import Parameter, Value, dot, pack

from .activations import get_activation
from .init import draw_weights, resolve_init
from .module import Module, positive_int, saveable
from .rng import Seed, generator, stored_seed


class StepNames(NamedTuple):
    """The labels of one time step's values (see the module's docstring), formatted once
    per step index so the forward pass only assigns them."""

    x: list[str]
    wxh: list[str]
    z: list[str]
    h: list[str]
    why: list[str]
    y: list[str]


def step_names(t: int, nin: int, nhidden: int, nout: int) -> StepNames:
    """The labels of step ``t``'s values (t = 1 is the first step)."""
    return StepNames(
        x=[f"x[{t}][{j}]" for j in range(nin)],
        wxh=[f"W·[x,h][{t}][{i}]" for i in range(nhidden)],
        z=[f"z[{t}][{i}]" for i in range(nhidden)],
        h=[f"h[{t}][{i}]" for i in range(nhidden)],
        why=[f"W_hy·h[{t}][{k}]" for k in range(nout)],
        y=[f"y[{t}][{k}]" for k in range(nout)],
    )


@saveable
class RNN(Module):
    """A recurrent network: ``nin`` inputs and ``nout`` outputs per time step,
    ``nhidden`` hidden units carried from step to step.

    Calling it on a sequence (a list of steps, each a list of ``nin`` numbers, or a
    number when ``nin == 1``) returns the output at every step (a ``Value`` per step when
    ``nout == 1``), or only the last one with ``return_sequences=False``.
    """

    def __init__(
        self,
        nin: int,
        nhidden: int,
        nout: int = 1,
        activation: str = "tanh",
        init: str = "auto",
        seed: Seed = None,
        truncate: int | None = None,
        return_sequences: bool = True,
    ) -> None:
        super().__init__()
        for name, v in (("nin", nin), ("nhidden", nhidden), ("nout", nout)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"RNN needs {name} >= 1, got {v!r}")
        if truncate is not None and (not isinstance(truncate, int) or truncate < 1):
            raise ValueError(f"truncate must be None or an integer >= 1, got {truncate!r}")
        self.nin, self.nhidden, self.nout = nin, nhidden, nout
        self.activation = activation
        self._act = get_activation(activation).fn
        self.init = resolve_init(init, activation)
        self.seed, self.truncate, self.return_sequences = stored_seed(seed), truncate, return_sequences
        rng = generator(seed)
        fan_in = nin + nhidden
        self.wx = [
            [Parameter(v) for v in draw_weights(self.init, rng, fan_in, nhidden)[:nin]]
            for _ in range(nhidden)
        ]
        # Recurrent weights start smaller (scaled by 1/sqrt(nhidden)) so that products of
        # many steps neither explode nor vanish at once.
        self.wh = [
            [Parameter(v / math.sqrt(nhidden)) for v in draw_weights(self.init, rng, nhidden, nhidden)]
            for _ in range(nhidden)
        ]
        self.bh = [Parameter(0.0) for _ in range(nhidden)]
        self.wy = [
            [Parameter(v) for v in draw_weights("xavier_uniform", rng, nhidden, nout)] for _ in range(nout)
        ]
        self.by = [Parameter(0.0) for _ in range(nout)]
        self._name_parameters()
        self._step_names: dict[int, StepNames] = {}  # t -> step t's labels, made on first use
        self._h0_names = [f"h[0][{i}]" for i in range(nhidden)]
        # Registered in the order (and with the names) of files saved since version 1.
        for i in range(nhidden):
            for j, w in enumerate(self.wx[i]):
                self.add_parameter(f"wx.{i}.{j}", w)
            for j, w in enumerate(self.wh[i]):
                self.add_parameter(f"wh.{i}.{j}", w)
            self.add_parameter(f"bh.{i}.b", self.bh[i], bias=True)
        for k in range(nout):
            for j, w in enumerate(self.wy[k]):
                self.add_parameter(f"wy.{k}.{j}", w)
            self.add_parameter(f"by.{k}.b", self.by[k], bias=True)
        pack(self.parameters())  # one store for the model: arrays for optimizers and programs

    def _name_parameters(self) -> None:
        # The names of the equations in the module's docstring (and of lesson 07).
        for i in range(self.nhidden):
            for j, w in enumerate(self.wx[i]):
                w.label = f"W_xh[{i},{j}]"
            for j, w in enumerate(self.wh[i]):
                w.label = f"W_hh[{i},{j}]"
            self.bh[i].label = f"b_h[{i}]"
        for k in range(self.nout):
            for i, w in enumerate(self.wy[k]):
                w.label = f"W_hy[{k},{i}]"
            self.by[k].label = f"b_y[{k}]"

    def names_at(self, t: int) -> StepNames:
        """The labels of step ``t``'s values (t >= 1), formatted on first use and kept."""
        names = self._step_names.get(t)
        if names is None:
            names = self._step_names[t] = step_names(t, self.nin, self.nhidden, self.nout)
        return names

    @classmethod
    def count_parameters(cls, config: dict[str, Any]) -> int:
        nin = positive_int("nin", config.get("nin"))
        nh = positive_int("nhidden", config.get("nhidden"))
        nout = positive_int("nout", config.get("nout", 1))
        return nh * (nin + nh + 1) + nout * (nh + 1)

    def summary_rows(self) -> list[tuple[str, str, str, int]]:
        hidden = self.hidden_parameter_count()
        return [
            ("input", str(self.nin), "-", 0),
            ("recurrent", str(self.nhidden), self.activation, hidden),
            ("output", str(self.nout), "linear", self.num_parameters() - hidden),
        ]

    def hidden_parameter_count(self) -> int:
        """Parameters of the recurrent cell (input, recurrent weights and biases)."""
        return self.nhidden * (self.nin + self.nhidden + 1)

    def _step_inputs(self, x: Any, t: int) -> list[Any]:
        xs = [x] if isinstance(x, (int, float, Value)) else list(x)
        if len(xs) != self.nin:
            raise ValueError(f"RNN expects {self.nin} inputs per time step, got {len(xs)} at step {t}")
        return xs

    def check_input(self, x: Any) -> None:
        try:
            steps = list(x)
        except TypeError:
            raise ValueError(f"RNN needs a sequence of time steps, got {type(x).__name__}") from None
        if not steps:
            raise ValueError("RNN needs a sequence of at least one time step")
        for t, s in enumerate(steps):
            for v in self._step_inputs(s, t):
                if not isinstance(v, Value) and not math.isfinite(float(v)):
                    raise ValueError(f"RNN input at step {t} is not a finite number: {v!r}")

    def cell(self, x: Sequence[Any], h: Sequence[Any], names: StepNames | None = None) -> list[Value]:
        """One step of the recurrence: the next hidden state (its values labelled with
        ``names``, a step's labels from ``names_at``, when given)."""
        xh = [*x, *h]
        out = []
        for i in range(self.nhidden):
            s = dot([*self.wx[i], *self.wh[i]], xh)
            z = s + self.bh[i]
            a = self._act(z)
            if names is not None:
                s.label, z.label = names.wxh[i], names.z[i]
                a.label = names.h[i]  # a linear cell's z is the state itself: it is h
            out.append(a)
        return out

    def readout(self, h: Sequence[Value], names: StepNames | None = None) -> Any:
        """The output at one step from its hidden state (labelled with ``names``, a
        step's labels from ``names_at``, when given)."""
        ys = []
        for k in range(self.nout):
            s = dot(self.wy[k], h)
            y = s + self.by[k]
            if names is not None:
                s.label, y.label = names.why[k], names.y[k]
            ys.append(y)
        return ys[0] if self.nout == 1 else ys

    def _lift(self, xs: list[Any], labels: list[str]) -> list[Any]:
        # Numbers become one named leaf each (x[t][j], h[0][i]) that every hidden unit
        # reads, rather than a constant per unit; a Value passed in is the caller's, as is.
        return [v if isinstance(v, Value) else Value(v, name) for v, name in zip(xs, labels)]

    def __call__(self, sequence: Sequence[Any], h0: Sequence[float] | None = None) -> Any:
        start = list(h0) if h0 is not None else [0.0] * self.nhidden
        if len(start) != self.nhidden:
            raise ValueError(f"h0 needs {self.nhidden} values (one per hidden unit), got {len(start)}")
        h: list[Any] = self._lift(start, self._h0_names)
        outputs = []
        for t, x in enumerate(sequence):
            if self.truncate and t and t % self.truncate == 0:
                h = [v.detach() if isinstance(v, Value) else v for v in h]
            names = self.names_at(t + 1)
            h = self.cell(self._lift(self._step_inputs(x, t), names.x), h, names)
            if self.return_sequences or t == len(sequence) - 1:
                outputs.append(self.readout(h, names))
        if not outputs:
            raise ValueError("RNN needs a sequence of at least one time step")
        return outputs if self.return_sequences else outputs[-1]

    def config(self) -> dict[str, Any]:
        return {
            "nin": self.nin,
            "nhidden": self.nhidden,
            "nout": self.nout,
            "activation": self.activation,
            "init": self.init,
            "seed": self.seed,
            "truncate": self.truncate,
            "return_sequences": self.return_sequences,
        }

    def __repr__(self) -> str:
        return f"RNN({self.nin}, {self.nhidden}, {self.nout}, activation={self.activation!r})"
