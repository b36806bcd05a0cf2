"""Modules: ``Module`` (the base), ``Neuron``, ``Layer``, ``Dropout`` and ``MLP``.

A module *registers* its parameters (``add_parameter``, each tagged as a weight or a
bias) and its child modules (``add_module``), as MiniTorch's and PyTorch's do.
Everything an optimizer needs is ``parameters()``, a flat list; everything saving needs
is ``state_dict()`` (name -> float) and ``config()`` (the constructor's arguments, to
rebuild the architecture). Architectures that can be saved and loaded register
themselves with ``@saveable``: loading builds only those.
"""

from __future__ import annotations

import inspect
import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from autograd_core import Parameter, Value, dot, pack
from autograd_core.modes import refuse_while_tracing

from .activations import get_activation, softmax
from .export import mlp_to_torch
from .init import draw_weights, resolve_init
from .io import ModelFileError, read_model_file, write_model_file
from .rng import Seed, generator, stored_seed
from .summary import format_summary, format_summary_html

Input = Sequence[Any]
M = TypeVar("M", bound=type)
ModuleT = TypeVar("ModuleT", bound="Module")

#: The architectures a model file may name: loading builds nothing else.
ARCHITECTURES: dict[str, type[Module]] = {}
#: The largest model a file may declare (checked before anything is allocated).
MAX_PARAMETERS = 2_000_000


def saveable(cls: M) -> M:
    """Class decorator: ``cls`` can be saved and rebuilt from a model file."""
    ARCHITECTURES[cls.__name__] = cls
    return cls


class Module:
    """Base class: registered parameters and sub-modules, train/eval mode, state, files."""

    training: bool = True
    #: Counts every registration in any module: the lists a module keeps (``_kept``) are
    #: good while it has not changed (a child's registration included).
    _registrations = 0

    def __init__(self) -> None:
        self._parameters: dict[str, tuple[Value, bool]] = {}  # name -> (value, is a bias)
        self._modules: dict[str, Module] = {}

    def add_parameter(self, name: str, value: Value, bias: bool = False) -> Value:
        """Register ``value`` as a parameter called ``name`` (a bias if ``bias``)."""
        self._parameters[name] = (value, bias)
        Module._registrations += 1
        return value

    def add_module(self, name: str, module: ModuleT) -> ModuleT:
        """Register a child module called ``name``."""
        self._modules[name] = module
        Module._registrations += 1
        return module

    def children(self) -> list[tuple[str, Module]]:
        """Direct sub-modules as (name, module)."""
        return list(self._modules.items())

    def own_parameters(self) -> list[tuple[str, Value]]:
        """Parameters held directly by this module (not by children), as (name, value)."""
        return [(name, v) for name, (v, _) in self._parameters.items()]

    def _tagged(self, prefix: str = "") -> Iterator[tuple[str, Value, bool]]:
        for name, (p, bias) in self._parameters.items():
            yield prefix + name, p, bias
        for name, child in self._modules.items():
            yield from child._tagged(f"{prefix}{name}.")

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Value]]:
        """Every parameter with a dotted name such as ``layers.0.neurons.3.w.1``."""
        for name, p, _ in self._tagged(prefix):
            yield name, p

    def parameters(self) -> list[Value]:
        """All parameters as one flat list (what optimizers take), in the order of
        ``named_parameters``."""
        return list(self._kept("_parameter_list", self._gather))  # a copy: the caller may change it

    def _kept(self, name: str, gather: Callable[[list[Any]], None]) -> list[Any]:
        """What ``gather`` lists, kept under ``name`` until any module registers
        something. Why: fit asks for the parameters and switches every module's mode at
        each call, and a model of a few hundred neurons is a few hundred modules."""
        kept = self.__dict__.get(name)
        if kept is None or kept[0] != Module._registrations:
            found: list[Any] = []
            gather(found)
            kept = (Module._registrations, found)
            setattr(self, name, kept)
        return kept[1]

    def _gather(self, found: list[Value]) -> None:
        # parameters() without the names (a generator chain was ~4x slower)
        found.extend(p for p, _ in self._parameters.values())
        for child in self._modules.values():
            child._gather(found)

    def weights(self) -> list[Value]:
        """Parameters that are not biases (what L1/L2 penalties usually act on)."""
        return [p for _, p, bias in self._tagged() if not bias]

    def named_weights(self) -> list[tuple[str, Value]]:
        """(name, parameter) for the parameters that are not biases."""
        return [(name, p) for name, p, bias in self._tagged() if not bias]

    def biases(self) -> list[Value]:
        """The parameters registered as biases."""
        return [p for _, p, bias in self._tagged() if bias]

    def num_parameters(self) -> int:
        """How many scalars the model learns."""
        return sum(1 for _ in self.named_parameters())

    def modules(self) -> Iterator[Module]:
        """This module and every descendant."""
        # self is not kept: a list holding its own module would be a reference cycle
        return iter([self, *self._kept("_module_list", self._gather_descendants)])

    def _gather_descendants(self, found: list[Module]) -> None:
        for child in self._modules.values():
            found.append(child)
            child._gather_descendants(found)

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
        values = {name: _finite_number(name, state[name]) for name in own}
        for name, p in own.items():  # only once every value is known to be good
            p.data = values[name]

    def config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this architecture."""
        raise NotImplementedError(f"{type(self).__name__} does not describe its architecture")

    def save(self, path: str | Path) -> None:
        """Write architecture and parameters to a JSON file, atomically."""
        kind = type(self).__name__
        if ARCHITECTURES.get(kind) is not type(self):
            raise TypeError(f"cannot save a {kind}: saving supports {sorted(ARCHITECTURES)}")
        write_model_file(path, kind, self.config(), self.state_dict())

    @classmethod
    def load(cls, path: str | Path) -> Module:
        """Rebuild a model saved with ``save`` (no code is executed while loading:
        only the architectures marked ``@saveable`` are built, from checked numbers)."""
        model = _build(path, *read_model_file(path))
        if cls is not Module and not isinstance(model, cls):
            raise ValueError(f"{path} holds a {type(model).__name__}, not a {cls.__name__}")
        return model

    @classmethod
    def count_parameters(cls, config: dict[str, Any]) -> int:
        """How many parameters ``cls(**config)`` would have, computed without building it
        (so a file can be checked before anything is allocated)."""
        raise NotImplementedError(f"{cls.__name__} does not count its parameters")

    def check_input(self, x: Any) -> None:
        """Raise ValueError if ``x`` is not one valid input sample for this model."""

    def __call__(self, x: Any) -> Any:
        """The forward pass: subclasses compute their output here."""
        raise NotImplementedError(f"{type(self).__name__} has no forward pass")

    def summary_rows(self) -> list[tuple[str, str, str, int]]:
        """(layer, neurons, activation, parameters) per layer, for ``summary``."""
        return [(type(self).__name__, "-", "-", self.num_parameters())]

    def summary_table(self) -> str:
        """The architecture table of ``summary`` as a string."""
        return format_summary(type(self).__name__, self.summary_rows(), self.num_parameters())

    def summary(self, print_fn: Callable[[str], Any] = print) -> None:
        """Print a table of layers, neurons, activations and parameter counts, as Keras's
        ``model.summary()`` does (``print_fn`` receives the text; ``summary_table()``
        returns it)."""
        print_fn(self.summary_table())

    def _repr_html_(self) -> str:
        # In Jupyter a model shows as its architecture table.
        return format_summary_html(type(self).__name__, self.summary_rows(), self.num_parameters())


def _finite_number(name: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(f"parameter {name!r} must be a finite number, got {v!r:.60}")
    try:
        x = float(v)
    except OverflowError:
        x = math.inf
    if not math.isfinite(x):
        raise ValueError(f"parameter {name!r} must be a finite number, got {v!r:.60}")
    return x


def _build(path: str | Path, kind: str, config: dict[str, Any], params: dict[str, Any]) -> Module:
    """A model from the checked fields of a model file."""
    cls = ARCHITECTURES.get(kind)
    if cls is None:
        raise ModelFileError(f"{path}: unknown architecture {kind!r}; known: {sorted(ARCHITECTURES)}")
    allowed = set(inspect.signature(cls.__init__).parameters) - {"self", "rng"}
    unknown = sorted(set(config) - allowed)
    if unknown:
        raise ModelFileError(f"{path}: {kind} has no argument(s) {unknown}")
    try:
        size = cls.count_parameters(config)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{path}: the architecture cannot be built: {exc}") from None
    if size != len(params):
        raise ModelFileError(
            f"{path}: parameters do not fit the architecture: {kind} {config} has {size:,} "
            f"parameters, the file stores {len(params):,} (missing or unexpected entries)"
        )
    if size > MAX_PARAMETERS:
        raise ModelFileError(f"{path}: {size:,} parameters is more than the {MAX_PARAMETERS:,} allowed")
    try:
        model = cls(**config)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{path}: the architecture cannot be built: {exc}") from None
    try:
        model.load_state_dict(params)
    except ValueError as exc:
        raise ModelFileError(f"{path}: parameters do not fit the architecture: {exc}") from None
    return model


def positive_int(name: str, v: Any) -> int:
    """``v`` if it is an integer >= 1 (not a bool), else a ValueError naming ``name``."""
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {v!r:.60}")
    return v


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


@saveable
class Neuron(Module):
    """act(w . x + b): one weighted sum (a single ``dot`` node) and an activation."""

    def __init__(
        self,
        nin: int,
        activation: str | None = "relu",
        init: str = "auto",
        seed: Seed = None,
        fan_out: int = 1,
        rng: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        if isinstance(nin, bool) or not isinstance(nin, int) or nin < 1:
            raise ValueError(f"a neuron needs nin >= 1 inputs, got {nin!r}")
        self.nin = nin
        self.activation = activation or "linear"
        self.init = resolve_init(init, self.activation)
        self._act = get_activation(self.activation).fn
        rng = rng if rng is not None else generator(seed)
        drawn = draw_weights(self.init, rng, nin, fan_out)
        self.w = [self.add_parameter(f"w.{i}", Parameter(v)) for i, v in enumerate(drawn)]
        self.b = self.add_parameter("b", Parameter(0.0), bias=True)
        self._wx_name = self._z_name = self._a_name = ""
        self.name_values()

    def name_values(self, layer: str = "", index: int | None = None) -> None:
        """Label this neuron's values by their place, for pictures and replays: weights
        ``w{layer}[i]`` (``w{layer}[index,i]`` for neuron ``index`` of a layer), the bias
        ``b{layer}``, and in every forward pass the weighted sum ``w{layer}·x``, the
        pre-activation ``z{layer}`` (= w·x + b) and the activation ``a{layer}`` (each with
        ``[index]``). A bare neuron: ``w[0]``, ``b``, ``w·x``, ``z``, ``a``; neuron 0 of an
        MLP's first hidden layer (``layer="[1]"``): ``w[1][0,i]``, ``b[1][0]``,
        ``w[1][0]·x``, ``z[1][0]``, ``a[1][0]``. Labels are names only: nothing saved or
        computed reads them."""
        unit = "" if index is None else f"[{index}]"
        row = "" if index is None else f"{index},"
        for i, w in enumerate(self.w):
            w.label = f"w{layer}[{row}{i}]"
        self.b.label = f"b{layer}{unit}"
        # Formatted once here: the forward pass only assigns them (it is the hot path).
        self._wx_name = f"w{layer}{unit}·x"
        self._z_name = f"z{layer}{unit}"
        self._a_name = f"a{layer}{unit}"

    @classmethod
    def count_parameters(cls, config: dict[str, Any]) -> int:
        return positive_int("nin", config.get("nin")) + 1

    def __call__(self, x: Input) -> Value:
        wx = dot(self.w, x)
        wx.label = self._wx_name
        z = wx + self.b
        z.label = self._z_name
        a = self._act(z)
        if a is not z:  # a linear neuron's output is z itself, and keeps that name
            a.label = self._a_name
        return a

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "activation": self.activation, "init": self.init}

    def __repr__(self) -> str:
        return f"Neuron({self.nin}, activation={self.activation!r})"


@saveable
class Layer(Module):
    """``nout`` neurons reading the same inputs."""

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str | None = "relu",
        init: str = "auto",
        seed: Seed = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        super().__init__()
        if isinstance(nout, bool) or not isinstance(nout, int) or nout < 1:
            raise ValueError(f"a layer needs nout >= 1 neurons, got {nout!r}")
        rng = rng if rng is not None else generator(seed)
        self.nin, self.nout = nin, nout
        self.activation = activation or "linear"
        self.neurons = [
            self.add_module(f"neurons.{i}", Neuron(nin, self.activation, init, fan_out=nout, rng=rng))
            for i in range(nout)
        ]
        self.init = self.neurons[0].init
        self.name_values()

    def name_values(self, layer: str = "") -> None:
        """Label the values of neuron j by their place (``Neuron.name_values``): ``w[j,i]``,
        ``b[j]``, ``z[j]``, ``a[j]``, after ``layer`` (an MLP passes ``"[1]"`` for its first
        hidden layer: ``w[1][j,i]``)."""
        for j, neuron in enumerate(self.neurons):
            neuron.name_values(layer, j)

    @classmethod
    def count_parameters(cls, config: dict[str, Any]) -> int:
        return (positive_int("nin", config.get("nin")) + 1) * positive_int("nout", config.get("nout"))

    def summary_rows(self) -> list[tuple[str, str, str, int]]:
        return [("layer", str(self.nout), self.activation, self.num_parameters())]

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

    def __init__(self, p: float = 0.5, seed: Seed = None) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout probability must be in [0, 1), got {p!r}")
        self.p = p
        self.rng = generator(seed)

    def __call__(self, x: Sequence[Value]) -> list[Value]:
        if not self.training or self.p == 0.0:
            return list(x)
        # A compiled program would freeze one random mask for every sample.
        refuse_while_tracing("dropout (a random mask per sample)")
        keep = 1.0 / (1.0 - self.p)
        drawn = self.rng.random(len(x)).tolist()  # one draw per input, in one call
        return [v * keep if r >= self.p else v * 0.0 for v, r in zip(x, drawn)]

    def config(self) -> dict[str, Any]:
        return {"p": self.p}

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"


@saveable
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
        seed: Seed = None,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if isinstance(nin, bool) or not isinstance(nin, int) or nin < 1:
            raise ValueError(f"MLP needs nin >= 1, got {nin!r}")
        if isinstance(nouts, (int, float)) or not hasattr(nouts, "__iter__"):
            raise TypeError(
                f"MLP's layer sizes are a list, one size per layer, the last one the outputs: "
                f"MLP({nin!r}, [{nouts!r}, 1]) for a hidden layer of {nouts!r} and one output; "
                f"got {nouts!r:.40}"
            )
        nouts = list(nouts)
        if not nouts or not all(isinstance(n, int) and n >= 1 for n in nouts):
            raise ValueError(f"MLP needs a non-empty list of layer sizes >= 1, got {nouts!r}")
        get_activation(activation)
        if output_activation not in (None, "linear", "softmax"):
            get_activation(output_activation)
        self.nin, self.nouts = nin, nouts
        self.activation = activation
        self.output_activation = None if output_activation == "linear" else output_activation
        self.init, self.seed, self.dropout = init, stored_seed(seed), dropout
        rng = generator(seed)
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
        self.dropouts = [Dropout(dropout, seed=rng) for _ in nouts[:-1]] if dropout else []
        for i, layer in enumerate(self.layers):
            self.add_module(f"layers.{i}", layer)
            layer.name_values(f"[{i + 1}]")  # 1-based, as summary()'s "hidden 1"
        # Names formatted once: the forward pass only assigns them.
        self._input_names = [f"x{i}" for i in range(nin)]
        self._output_names = [f"p[{j}]" for j in range(nouts[-1])]
        for i, d in enumerate(self.dropouts):
            self.add_module(f"dropouts.{i}", d)
        pack(self.parameters())  # one store for the model: arrays for optimizers and programs

    @classmethod
    def count_parameters(cls, config: dict[str, Any]) -> int:
        nouts = config.get("nouts")
        if not isinstance(nouts, list) or not nouts:
            raise ValueError(f"MLP needs a non-empty list of layer sizes, got {nouts!r:.60}")
        sizes = [positive_int("nin", config.get("nin"))] + [positive_int("a layer size", n) for n in nouts]
        return sum((a + 1) * b for a, b in itertools.pairwise(sizes))

    def summary_rows(self) -> list[tuple[str, str, str, int]]:
        rows = [("input", str(self.nin), "-", 0)]
        for i, layer in enumerate(self.layers):
            last = i == len(self.layers) - 1
            act = "softmax" if last and self.output_activation == "softmax" else layer.activation
            rows.append(
                ("output" if last else f"hidden {i + 1}", str(layer.nout), act, layer.num_parameters())
            )
            if not last and self.dropouts:
                rows.append((f"dropout {i + 1}", str(layer.nout), f"p={self.dropout}", 0))
        return rows

    def check_input(self, x: Any) -> None:
        _as_inputs(x, self.nin, "MLP")

    def __call__(self, x: Input) -> Any:
        # Lift plain numbers once, so every first-layer neuron reads the same input nodes
        # (and pictures show one x0, x1, ... rather than a copy per neuron).
        # A Value passed in keeps its own label (or none): it is the caller's.
        h: list[Any] = [
            v if isinstance(v, Value) else Value(v, name)
            for v, name in zip(_as_inputs(x, self.nin, "MLP"), self._input_names)
        ]
        for i, layer in enumerate(self.layers):
            h = layer(h)
            if self.dropouts and i < len(self.dropouts):
                h = self.dropouts[i](h)
        if self.output_activation == "softmax":
            h = softmax(h)
            for p, name in zip(h, self._output_names):
                p.label = name
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
        return mlp_to_torch(self)

    def __repr__(self) -> str:
        out = self.output_activation or "linear"
        return f"MLP({self.nin}, {self.nouts}, activation={self.activation!r}, output_activation={out!r})"
