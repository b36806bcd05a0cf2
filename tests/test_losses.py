"""Losses and penalties: formulas, stability, gradients, bad labels."""

from __future__ import annotations

import math
from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import reals

from autograd_core import Value, gradcheck
from nn.losses import bce, cross_entropy, get_loss, hinge, l1_penalty, l2_penalty, mse


def test_mse() -> None:
    assert mse(Value(3.0), 1.0).data == 4.0
    assert mse([Value(1.0), Value(2.0)], [0.0, 0.0]).data == 2.5
    with pytest.raises(ValueError, match="2 outputs but 1 targets"):
        mse([Value(1.0), Value(2.0)], [0.0])


@given(reals(-30, 30), st.sampled_from([0, 1]))
def test_bce_from_logits_matches_the_formula(z: float, y: int) -> None:
    # The textbook formula in 50-digit decimals: an independent, exact reference.
    with localcontext() as ctx:
        ctx.prec = 50
        pd = 1 / (1 + (-Decimal(z)).exp())
        expected = float(-(y * pd.ln() + (1 - y) * (1 - pd).ln()))
    assert bce(Value(z), y).data == pytest.approx(expected, rel=1e-12, abs=1e-300)
    p = 1 / (1 + math.exp(-z))
    v = Value(z)
    bce(v, y).backward()
    assert v.grad == pytest.approx(p - y, abs=1e-12)  # the famous p - y


def test_bce_is_stable_for_huge_logits() -> None:
    assert bce(Value(1000.0), 1).data == 0.0
    assert bce(Value(1000.0), 0).data == 1000.0
    assert bce(Value(-1000.0), 1).data == 1000.0
    assert bce(Value(0.999), 1, from_logits=False).data == pytest.approx(-math.log(0.999))
    assert math.isfinite(bce(Value(0.0), 1, from_logits=False).data)


@given(st.lists(reals(-20, 20), min_size=2, max_size=6), st.data())
def test_cross_entropy_matches_log_softmax(zs: list[float], data: st.DataObject) -> None:
    c = data.draw(st.integers(0, len(zs) - 1))
    m = max(zs)
    expected = -(zs[c] - m - math.log(sum(math.exp(z - m) for z in zs)))
    vs = [Value(z) for z in zs]
    loss = cross_entropy(vs, c)
    assert loss.data == pytest.approx(expected, rel=1e-9, abs=1e-12)
    loss.backward()
    probs = [math.exp(z - m) / sum(math.exp(w - m) for w in zs) for z in zs]
    for k, v in enumerate(vs):
        assert v.grad == pytest.approx(probs[k] - (k == c), abs=1e-9)  # softmax - onehot


def test_hinge_binary_and_multiclass() -> None:
    assert hinge(Value(0.3), 1).data == pytest.approx(0.7)
    assert hinge(Value(2.0), 1).data == 0.0
    assert hinge(Value(0.3), 0).data == pytest.approx(1.3)
    assert hinge([Value(1.0), Value(3.0), Value(2.5)], 1).data == pytest.approx(0.5)


@given(st.lists(reals(-3, 3), min_size=3, max_size=3))
def test_losses_pass_gradcheck(zs: list[float]) -> None:
    assert gradcheck(lambda a, b, c: cross_entropy([a, b, c], 2), zs)
    assert gradcheck(lambda a, b, c: bce(a * b + c, 1), zs)
    assert gradcheck(lambda a, b: mse([a, b], [0.25, 0.5]), zs[:2])


def test_penalties() -> None:
    ps = [Value(1.0), Value(-2.0)]
    assert l1_penalty(ps).data == 3.0 and l2_penalty(ps).data == 5.0
    l2_penalty(ps).backward()
    assert [p.grad for p in ps] == [2.0, -4.0]


def test_bad_labels_and_names() -> None:
    with pytest.raises(ValueError, match="0/1"):
        bce(Value(0.0), 2)
    with pytest.raises(ValueError, match="outside the 3 classes"):
        cross_entropy([Value(0.0)] * 3, 3)
    with pytest.raises(ValueError, match="integer class"):
        cross_entropy([Value(0.0)] * 3, 1.5)
    with pytest.raises(ValueError, match="unknown loss"):
        get_loss("l3")
    assert get_loss("mse") is mse and get_loss(mse) is mse
