"""Parameters held in arrays (autograd_core.parameters): a Parameter reads and writes its
slot of a store, a model's parameters share one store, optimizers step them as arrays
with exactly the numbers of a step taken one plain Value at a time, and moving a
parameter to another store is noticed by whoever kept the old one."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from autograd_core import Parameter, ParameterSlots, Value, gradients, pack
from nn import MLP, RNN, optim
from nn.module import Module


def test_a_parameter_is_a_value_whose_numbers_live_in_its_store() -> None:
    w, b = Parameter(0.5, label="w"), Parameter(-1.0, label="b")
    store = pack([w, b])
    assert list(store.data) == [0.5, -1.0] and w.store is store and (w.index, b.index) == (0, 1)
    y = (w * 3.0 + b).tanh()
    y.backward()
    assert store.grad.tolist() == [w.grad, b.grad] and w.grad == pytest.approx(3 * (1 - y.data**2))
    store.data[0] = 2.0  # the array is the number
    assert w.data == 2.0 and type(w.data) is float
    w.data = 7.0
    assert store.data[0] == 7.0
    assert repr(w).startswith("Value(data=7") and isinstance(w, Value)


def test_pack_keeps_the_numbers_and_counts_a_move() -> None:
    a, b, c = Parameter(1.0), Parameter(2.0), Parameter(3.0)
    first = pack([a, b, c])
    a.grad = 0.25
    assert pack([a, b, c]) is first  # already exactly there: nothing moves
    second = pack([c, a])
    assert (c.data, a.data, a.grad) == (3.0, 1.0, 0.25) and second.data.tolist() == [3.0, 1.0]
    assert first.moves == 2 and second.moves == 0 and b.store is first
    with pytest.raises(TypeError, match="pack takes Parameters"):
        pack([Value(1.0)])
    with pytest.raises(ValueError, match="twice"):
        pack([a, a])


def test_a_model_has_one_store_in_the_order_of_its_parameters() -> None:
    for model in (MLP(2, [4, 3, 1], seed=0), RNN(1, 3, seed=0)):
        params = model.parameters()
        store = params[0].store
        assert len(store) == len(params) and all(
            p.store is store and p.index == i for i, p in enumerate(params)
        )
        assert store.data.tolist() == [p.data for p in params]


OPTIMIZERS = [
    lambda ps: optim.SGD(ps, lr=0.1),
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.8, dampening=0.3),
    lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.5, weight_decay=0.1),
    lambda ps: optim.Adam(ps, lr=0.01, weight_decay=0.1),
    lambda ps: optim.AdamW(ps, lr=0.01),
    lambda ps: optim.Rprop(ps, lr=0.05),
]


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_an_array_step_over_a_store_equals_the_step_over_plain_values(make) -> None:  # type: ignore[no-untyped-def]
    """The same rule on packed parameters (the store's arrays, in place) and on plain
    Values (gathered and written back): the same numbers to the last bit."""
    rng = np.random.default_rng(0)
    start = rng.normal(size=6).tolist()
    packed = [Parameter(x) for x in start]
    pack(packed)
    plain = [Value(x) for x in start]
    opts = make(packed), make(plain)
    for _ in range(5):
        grads = rng.normal(size=6).tolist()
        grads[2] = 0.0  # a zero gradient, and a sign change for Rprop below
        for ps, o in zip((packed, plain), opts):
            o.zero_grad()
            for p, g in zip(ps, grads):
                p.grad += g
            o.step()
    assert [p.data for p in packed] == [p.data for p in plain]
    opts[0].zero_grad()
    assert packed[0].store.grad.tolist() == [0.0] * 6


def test_an_optimizer_notices_when_its_parameters_move() -> None:
    """An optimizer over the whole model, and a second one packing a part of it into a
    store of its own: both keep stepping the right numbers."""
    model = MLP(2, [3, 1], seed=0)
    whole = optim.SGD(model.parameters(), lr=0.5)
    last = model.layers[-1].parameters()
    part = optim.SGD(last, lr=0.5)
    assert last[0].store is not model.layers[0].parameters()[0].store  # packed apart
    for p in model.parameters():
        p.grad = 1.0
    before = [p.data for p in model.parameters()]
    whole.step()  # packs the whole model again
    assert [p.data for p in model.parameters()] == [x - 0.5 for x in before]
    part.step()
    moved = [p.data for p in model.parameters()]
    assert moved[-len(last) :] == [x - 1.0 for x in before[-len(last) :]]
    assert moved[: -len(last)] == [x - 0.5 for x in before[: -len(last)]]


def test_a_gradient_that_is_a_value_is_kept_beside_the_array() -> None:
    w = Parameter(2.0)
    pack([w])
    y = w * w * w
    y.backward(create_graph=True)  # dy/dw = 3 w^2 as a graph
    assert isinstance(w.grad, Value) and w.grad.data == 12.0 and w.store.grad[0] == 12.0
    (second,) = gradients(w.grad, [w])
    assert second == 12.0  # d(3 w^2)/dw = 6 w
    w.store.zero_grad()
    assert w.grad == 0.0 and type(w.grad) is float


def test_parameter_slots_read_and_add_with_one_indexing_or_a_loop() -> None:
    model = MLP(2, [3, 1], seed=0)
    params = model.parameters()[::-1]  # any order, as a compiled program lists them
    slots = ParameterSlots(params)
    assert slots.where() is not None and slots.read().tolist() == [p.data for p in params]
    slots.add_grads(np.arange(len(params), dtype=float))
    assert [p.grad for p in params] == list(map(float, range(len(params))))
    plain = [Value(1.0), Value(2.0)]
    loose = ParameterSlots(plain)
    assert loose.where() is None and loose.read().tolist() == [1.0, 2.0]
    loose.add_grads(np.array([0.5, 0.25]))
    assert [p.grad for p in plain] == [0.5, 0.25]
    pack(params[:2])  # two of them move: found again, no longer in one store
    assert slots.where() is None and slots.read().tolist() == [p.data for p in params]


def test_copies_and_saved_files_keep_their_own_numbers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = MLP(2, [3, 1], seed=0)
    twin = copy.deepcopy(model)
    twin.parameters()[0].data = 99.0
    assert model.parameters()[0].data != 99.0
    assert twin.parameters()[0].store is not model.parameters()[0].store
    model.save(tmp_path / "m.json")
    loaded = Module.load(tmp_path / "m.json")
    assert [p.data for p in loaded.parameters()] == [p.data for p in model.parameters()]
    assert len({id(p.store) for p in loaded.parameters()}) == 1
