"""``RNN``: a scalar recurrent network (Elman cell) unrolled over a sequence and trained
by backpropagation through time (BPTT), optionally truncated.

    h_t = act(W_xh x_t + W_hh h_{t-1} + b_h)        (one ``dot`` node per hidden unit)
    y_t = W_hy h_t + b_y

Unrolling a sequence of length T builds one graph in which the same weights appear T
times; ``backward`` then sums each weight's gradient over every time step, which *is*
BPTT. With ``truncate=k`` the hidden state is detached every k steps, so gradients flow
back at most k steps (truncated BPTT: cheaper, and no exploding products of T factors).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from autograd_core import Value, dot

from .activations import get_activation
from .init import draw_weights, resolve_init
from .module import Module, positive_int, saveable
from .rng import Seed, generator, stored_seed


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
            [Value(v) for v in draw_weights(self.init, rng, fan_in, nhidden)[:nin]] for _ in range(nhidden)
        ]
        # Recurrent weights start smaller (scaled by 1/sqrt(nhidden)) so that products of
        # many steps neither explode nor vanish at once.
        self.wh = [
            [Value(v / math.sqrt(nhidden)) for v in draw_weights(self.init, rng, nhidden, nhidden)]
            for _ in range(nhidden)
        ]
        self.bh = [Value(0.0) for _ in range(nhidden)]
        self.wy = [
            [Value(v) for v in draw_weights("xavier_uniform", rng, nhidden, nout)] for _ in range(nout)
        ]
        self.by = [Value(0.0) for _ in range(nout)]
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

    def cell(self, x: Sequence[Any], h: Sequence[Any]) -> list[Value]:
        """One step of the recurrence: the next hidden state."""
        xh = [*x, *h]
        return [self._act(dot([*self.wx[i], *self.wh[i]], xh) + self.bh[i]) for i in range(self.nhidden)]

    def readout(self, h: Sequence[Value]) -> Any:
        """The output at one step from its hidden state."""
        ys = [dot(self.wy[k], h) + self.by[k] for k in range(self.nout)]
        return ys[0] if self.nout == 1 else ys

    def __call__(self, sequence: Sequence[Any], h0: Sequence[float] | None = None) -> Any:
        h: list[Any] = list(h0) if h0 is not None else [0.0] * self.nhidden
        outputs = []
        for t, x in enumerate(sequence):
            if self.truncate and t and t % self.truncate == 0:
                h = [v.detach() if isinstance(v, Value) else v for v in h]
            h = self.cell(self._step_inputs(x, t), h)
            if self.return_sequences or t == len(sequence) - 1:
                outputs.append(self.readout(h))
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
