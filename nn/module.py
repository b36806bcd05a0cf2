"""Modules: ``Module`` (the base), ``Neuron``, ``Layer``, ``Dropout`` and ``MLP``.

A module owns parameters (``Value`` leaves) and child modules. Everything an optimizer
needs is ``parameters()``, a flat list; everything saving needs is ``state_dict()`` (name
-> float) and ``config()`` (the constructor's arguments, to rebuild the architecture).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from autograd_core import Value, dot
from autograd_core.modes import refuse_while_tracing

from .activations import get_activation, softmax
from .init import draw_weights, resolve_init

Input = Sequence[Any]


class Module:
    """Base class: parameters, gradients, train/eval mode, state and files."""

    training: bool = True

    def children(self) -> list[tuple[str, Module]]:
        """Direct sub-modules as (name, module)."""
        return []

    def own_parameters(self) -> list[tuple[str, Value]]:
        """Parameters held directly by this module (not by children), as (name, value)."""
        return []

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Value]]:
        """Every parameter with a dotted name such as ``layers.0.neurons.3.w.1``."""
        for name, p in self.own_parameters():
            yield prefix + name, p
        for name, child in self.children():
            yield from child.named_parameters(f"{prefix}{name}.")

    def parameters(self) -> list[Value]:
        """All parameters as one flat list (what optimizers take)."""
        return [p for _, p in self.named_parameters()]

    def weights(self) -> list[Value]:
        """Parameters that are not biases (what L1/L2 penalties usually act on)."""
        return [p for name, p in self.named_parameters() if not name.endswith(".b") and name != "b"]

    def num_parameters(self) -> int:
        """How many scalars the model learns."""
        return sum(1 for _ in self.named_parameters())

    def modules(self) -> Iterator[Module]:
        """This module and every descendant."""
        yield self
        for _, child in self.children():
            yield from child.modules()

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0."""
        for p in self.parameters():
            p.grad = 0.0

    def train(self, mode: bool = True) -> Module:
        """Training mode (dropout active); returns self."""
        for m in self.modules():
            m.training = mode
        return self

    def eval(self) -> Module:
        """Evaluation mode (dropout off); returns self."""
        return self.train(False)

    def state_dict(self) -> dict[str, float]:
        """Parameter name -> value, in parameter order."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict[str, float]) -> None:
        """Set parameters from ``state``; names must match exactly."""
        own = dict(self.named_parameters())
        missing = [k for k in own if k not in state]
        extra = [k for k in state if k not in own]
        if missing or extra:
            raise ValueError(
                f"state does not fit this {type(self).__name__}: "
                f"missing {missing[:5]}{'...' if len(missing) > 5 else ''}, "
                f"unexpected {extra[:5]}{'...' if len(extra) > 5 else ''}"
            )
        for name, p in own.items():
            v = state[name]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ValueError(f"parameter {name!r} must be a finite number, got {v!r}")
            p.data = float(v)

    def config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this architecture."""
        raise NotImplementedError(f"{type(self).__name__} does not describe its architecture")

    def save(self, path: str | Path) -> None:
        """Write architecture and parameters to a JSON file, atomically."""
        from .io import save

        save(self, path)

    @classmethod
    def load(cls, path: str | Path) -> Module:
        """Rebuild a model saved with ``save`` (no code is executed while loading)."""
        from .io import load

        model = load(path)
        if cls is not Module and not isinstance(model, cls):
            raise ValueError(f"{path} holds a {type(model).__name__}, not a {cls.__name__}")
        return model

    def check_input(self, x: Any) -> None:
        """Raise ValueError if ``x`` is not one valid input sample for this model."""

    def __call__(self, x: Any) -> Any:
        """The forward pass: subclasses compute their output here."""
        raise NotImplementedError(f"{type(self).__name__} has no forward pass")

    def summary(self) -> str:
        """A table of layers, neurons, activations and parameter counts (like Keras)."""
        from .summary import summary

        return summary(self)


def _as_inputs(x: Any, n: int, who: str) -> list[Any]:
    if isinstance(x, (Value, int, float)):
        x = [x]
    try:
        xs = list(x)
    except TypeError:
        raise TypeError(f"{who} needs a sequence of {n} numbers, got {type(x).__name__}") from None
    if len(xs) != n:
        raise ValueError(f"{who} expects {n} inputs, got {len(xs)}")
    return xs


class Neuron(Module):
    """act(w . x + b): one weighted sum (a single ``dot`` node) and an activation."""

    def __init__(
        self,
        nin: int,
        activation: str | None = "relu",
        init: str = "auto",
        seed: int | None = None,
        fan_out: int = 1,
        rng: random.Random | None = None,
    ) -> None:
        if not isinstance(nin, int) or nin < 1:
            raise ValueError(f"a neuron needs nin >= 1 inputs, got {nin!r}")
        self.nin = nin
        self.activation = activation or "linear"
        self.init = resolve_init(init, self.activation)
        self._act = get_activation(self.activation)
        rng = rng or random.Random(seed)
        self.w = [Value(v) for v in draw_weights(self.init, rng, nin, fan_out)]
        self.b = Value(0.0)

    def own_parameters(self) -> list[tuple[str, Value]]:
        return [*((f"w.{i}", w) for i, w in enumerate(self.w)), ("b", self.b)]

    def __call__(self, x: Input) -> Value:
        return self._act(dot(self.w, x) + self.b)

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "activation": self.activation, "init": self.init}

    def __repr__(self) -> str:
        return f"Neuron({self.nin}, activation={self.activation!r})"


class Layer(Module):
    """``nout`` neurons reading the same inputs."""

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str | None = "relu",
        init: str = "auto",
        seed: int | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if not isinstance(nout, int) or nout < 1:
            raise ValueError(f"a layer needs nout >= 1 neurons, got {nout!r}")
        rng = rng or random.Random(seed)
        self.nin, self.nout = nin, nout
        self.activation = activation or "linear"
        self.neurons = [Neuron(nin, self.activation, init, fan_out=nout, rng=rng) for _ in range(nout)]
        self.init = self.neurons[0].init

    def children(self) -> list[tuple[str, Module]]:
        return [(f"neurons.{i}", n) for i, n in enumerate(self.neurons)]

    def __call__(self, x: Input) -> list[Value]:
        xs = list(x)
        return [n(xs) for n in self.neurons]

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "nout": self.nout, "activation": self.activation, "init": self.init}

    def __repr__(self) -> str:
        return f"Layer({self.nin} -> {self.nout}, activation={self.activation!r})"


class Dropout(Module):
    """Zero each input with probability ``p`` in training mode, scaling the survivors by
    1/(1-p) so the expected value is unchanged ("inverted" dropout); the identity in
    ``eval()`` mode."""

    def __init__(self, p: float = 0.5, seed: int | None = None) -> None:
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout probability must be in [0, 1), got {p!r}")
        self.p = p
        self.rng = random.Random(seed)

    def __call__(self, x: Sequence[Value]) -> list[Value]:
        if not self.training or self.p == 0.0:
            return list(x)
        # A compiled program would freeze one random mask for every sample.
        refuse_while_tracing("dropout (a random mask per sample)")
        keep = 1.0 / (1.0 - self.p)
        return [v * keep if self.rng.random() >= self.p else v * 0.0 for v in x]

    def config(self) -> dict[str, Any]:
        return {"p": self.p}

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"


class MLP(Module):
    """A multi-layer perceptron: ``MLP(2, [16, 16, 1])`` has hidden relu layers of 16 and
    a linear output, like micrograd's (337 parameters).

    ``output_activation`` may be None (linear: logits or regression), "sigmoid", "tanh",
    "relu", "leaky_relu" or "softmax" (probabilities over the outputs). ``dropout`` (a
    probability) adds a ``Dropout`` after each hidden layer. ``init`` is a scheme from
    ``nn.init`` (``"auto"``: He for relu, Xavier otherwise); ``seed`` makes it reproducible.
    A call returns one ``Value`` when there is one output, else a list.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        output_activation: str | None = None,
        init: str = "auto",
        seed: int | None = None,
        dropout: float = 0.0,
    ) -> None:
        if not isinstance(nin, int) or nin < 1:
            raise ValueError(f"MLP needs nin >= 1, got {nin!r}")
        nouts = list(nouts)
        if not nouts or not all(isinstance(n, int) and n >= 1 for n in nouts):
            raise ValueError(f"MLP needs a non-empty list of layer sizes >= 1, got {nouts!r}")
        get_activation(activation)
        if output_activation not in (None, "linear", "softmax"):
            get_activation(output_activation)
        self.nin, self.nouts = nin, nouts
        self.activation = activation
        self.output_activation = None if output_activation == "linear" else output_activation
        self.init, self.seed, self.dropout = init, seed, dropout
        rng = random.Random(seed)
        sizes = [nin, *nouts]
        self.layers: list[Layer] = []
        for i in range(len(nouts)):
            last = i == len(nouts) - 1
            act = (
                (self.output_activation if self.output_activation != "softmax" else None)
                if last
                else activation
            )
            self.layers.append(Layer(sizes[i], sizes[i + 1], act, init, rng=rng))
        self.dropouts = [Dropout(dropout, seed=rng.randrange(2**31)) for _ in nouts[:-1]] if dropout else []

    def children(self) -> list[tuple[str, Module]]:
        kids: list[tuple[str, Module]] = [(f"layers.{i}", layer) for i, layer in enumerate(self.layers)]
        return kids + [(f"dropouts.{i}", d) for i, d in enumerate(self.dropouts)]

    def check_input(self, x: Any) -> None:
        _as_inputs(x, self.nin, "MLP")

    def __call__(self, x: Input) -> Any:
        # Lift plain numbers once, so every first-layer neuron reads the same input nodes
        # (and pictures show one x0, x1, ... rather than a copy per neuron).
        h: list[Any] = [
            v if isinstance(v, Value) else Value(v, f"x{i}")
            for i, v in enumerate(_as_inputs(x, self.nin, "MLP"))
        ]
        for i, layer in enumerate(self.layers):
            h = layer(h)
            if self.dropouts and i < len(self.dropouts):
                h = self.dropouts[i](h)
        if self.output_activation == "softmax":
            h = softmax(h)
        return h[0] if len(h) == 1 else h

    def config(self) -> dict[str, Any]:
        return {
            "nin": self.nin,
            "nouts": list(self.nouts),
            "activation": self.activation,
            "output_activation": self.output_activation,
            "init": self.init,
            "seed": self.seed,
            "dropout": self.dropout,
        }

    def to_torch(self) -> Any:
        """An equivalent ``torch.nn.Sequential`` in float64 (needs torch installed)."""
        from .export import mlp_to_torch

        return mlp_to_torch(self)

    def __repr__(self) -> str:
        out = self.output_activation or "linear"
        return f"MLP({self.nin}, {self.nouts}, activation={self.activation!r}, output_activation={out!r})"
