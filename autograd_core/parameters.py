"""Parameters held in arrays: a ``Parameter`` is a ``Value`` whose ``data`` and ``grad``
live in slot ``i`` of two NumPy arrays (a ``ParameterStore``), shared with the other
parameters of its model.

Why: a model of 4,417 parameters stepped one ``Value`` at a time spends most of a
compiled training step reading and writing them. With the numbers in arrays, an optimizer
updates all of them in one array expression (``theta -= lr * g``), ``zero_grad`` is one
fill, and a compiled program reads the parameters and adds their gradients with one
indexing each. Everything else reads a parameter as any ``Value``: ``p.data``,
``p.grad``, pictures, ``explain``, the eager engine, saving, ``to_torch``.

A parameter starts in a store of its own; ``pack(params)`` moves a list of parameters
into one store, in that order (a model packs its parameters when it is built). A
parameter is in one store at a time: packing it again elsewhere counts a move on its old
store (``moves``), so whoever kept that store (an optimizer, a compiled program) looks
again. ``ParameterSlots`` is how a compiled program finds a list of parameters (in one
store, at these slots) without a Python loop per call.

A gradient that is itself a ``Value`` (``backward(create_graph=True)``) cannot sit in a
float array: the store keeps it aside (``graphs``), with its number in the array.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .value import Value


class ParameterStore:
    """The numbers of some parameters: ``data`` and ``grad``, float64 arrays of one slot
    per parameter, ``graphs`` (slot -> a gradient that is a ``Value``), and ``moves``
    (how many parameters have left it for another store)."""

    __slots__ = ("__weakref__", "_data_view", "_grad_view", "data", "grad", "graphs", "moves")

    def __init__(self, size: int) -> None:
        self.data = np.zeros(size)
        self.grad = np.zeros(size)
        self.graphs: dict[int, Value] = {}
        self.moves = 0
        self._views()

    def _views(self) -> None:
        # One number at a time, a memoryview reads a Python float in ~45 ns and writes one
        # in ~10 ns, against ~120 and ~80 for the array's item() and []=: the eager engine
        # and a hand-written training loop read and write parameters one at a time.
        self._data_view: Any = self.data.data  # an ndarray's .data is a memoryview of it
        self._grad_view: Any = self.grad.data

    def __getstate__(self) -> tuple[Any, ...]:
        return self.data, self.grad, self.graphs, self.moves

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self.data, self.grad, self.graphs, self.moves = state
        self._views()

    def __len__(self) -> int:
        return len(self.data)

    def zero_grad(self) -> None:
        """Every gradient to 0, in one fill."""
        self.grad.fill(0.0)
        self.graphs.clear()


class Parameter(Value):
    """A ``Value`` whose ``data`` and ``grad`` are slot ``index`` of a ``ParameterStore``
    (see the module's docstring). Made like a Value: ``Parameter(0.5, label="w")``."""

    __slots__ = ("_i", "_store")

    def __init__(self, data: float, label: str = "") -> None:
        self._store = ParameterStore(1)
        self._i = 0
        super().__init__(data, label)

    @property
    def data(self) -> float:
        """The number (slot ``index`` of the store's ``data``)."""
        return self._store._data_view[self._i]

    @data.setter
    def data(self, value: float) -> None:
        self._store._data_view[self._i] = value

    @property
    def grad(self) -> Any:
        """d root / d this parameter (a float; a Value after ``create_graph=True``)."""
        store = self._store
        if store.graphs:
            graph = store.graphs.get(self._i)
            if graph is not None:
                return graph
        return store._grad_view[self._i]

    @grad.setter
    def grad(self, value: Any) -> None:
        store = self._store
        if isinstance(value, Value):
            store.graphs[self._i] = value
            value = value.data
        elif store.graphs:
            store.graphs.pop(self._i, None)
        store._grad_view[self._i] = value

    @property
    def store(self) -> ParameterStore:
        """The store this parameter's numbers live in."""
        return self._store

    @property
    def index(self) -> int:
        """This parameter's slot in its store."""
        return self._i


def packed(params: Sequence[Any]) -> ParameterStore | None:
    """The store that holds exactly ``params``, slot ``i`` for ``params[i]``; ``None``
    when there is none (an O(n) check: keep the store and watch its ``moves`` instead)."""
    if not params or not all(type(p) is Parameter for p in params):
        return None
    store = params[0]._store
    if store.moves or len(store) != len(params):
        return None
    if all(p._store is store and p._i == i for i, p in enumerate(params)):
        return store
    return None


def pack(params: Sequence[Value]) -> ParameterStore:
    """Move ``params`` into one store, in this order, keeping their numbers; returns it
    (the store they are already in, when it holds exactly them)."""
    store = packed(params)
    if store is not None:
        return store
    for p in params:
        if type(p) is not Parameter:
            raise TypeError(f"pack takes Parameters (a model's parameters), got {type(p).__name__} {p!r:.60}")
    if len(set(map(id, params))) != len(params):
        raise ValueError("pack: a parameter appears twice in the list")
    store = ParameterStore(len(params))
    store.data[:] = [p.data for p in params]
    for i, p in enumerate(params):
        assert isinstance(p, Parameter)
        g = p.grad
        p._store.moves += 1
        p._store, p._i = store, i
        p.grad = g
    return store


class ParameterSlots:
    """A fixed list of parameters as arrays: ``read()`` their numbers, ``add_grads(g)``
    into their gradients. When they all live in one store, each is one indexing of its
    arrays (found again only after a parameter has moved); otherwise (plain Values, or
    parameters in several stores) a loop over them."""

    def __init__(self, params: Sequence[Value]) -> None:
        self.params = list(params)
        self._plain = not all(type(p) is Parameter for p in self.params)
        self._where: tuple[ParameterStore, int, np.ndarray] | None = None

    def where(self) -> tuple[ParameterStore, np.ndarray] | None:
        """(store, slots) when every parameter is in one store, else None."""
        if self._plain or not self.params:
            return None
        found = self._where
        if found is None or found[0].moves != found[1]:
            store = self.params[0]._store  # type: ignore[attr-defined]
            if not all(p._store is store for p in self.params):  # type: ignore[attr-defined]
                return None
            slots = np.fromiter((p._i for p in self.params), dtype=np.intp, count=len(self.params))  # type: ignore[attr-defined]
            found = self._where = (store, store.moves, slots)
        return found[0], found[2]

    def read(self) -> np.ndarray:
        """The parameters' numbers, in order."""
        where = self.where()
        if where is not None:
            return where[0].data[where[1]]
        return np.array([p.data for p in self.params], dtype=float)

    def add_grads(self, grads: np.ndarray) -> None:
        """Add ``grads[i]`` to parameter ``i``'s gradient."""
        where = self.where()
        if where is not None and not where[0].graphs:
            where[0].grad[where[1]] += grads  # the parameters of a list are distinct
            return
        for p, g in zip(self.params, grads.tolist()):
            p.grad += g
