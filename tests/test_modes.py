"""no_grad, detach and detect_anomaly."""

from __future__ import annotations

import math

import pytest

from autograd_core import (
    AnomalyError,
    Value,
    detect_anomaly,
    enable_grad,
    gradients,
    is_grad_enabled,
    no_grad,
)


def test_no_grad_records_nothing() -> None:
    x = Value(2.0)
    with no_grad():
        y = x * x + x.exp()
        assert not is_grad_enabled()
    assert is_grad_enabled()
    assert y.parents == () and y.op == "" and y.data == pytest.approx(4 + math.exp(2))
    # A gradient from it would be a silent 0: backward says why instead (issue 18).
    with pytest.raises(RuntimeError, match=r"no_grad\(\).*does not require grad"):
        y.backward()
    with pytest.raises(RuntimeError, match="no_grad"):
        gradients(y, [x])
    assert x.grad == 0.0


def test_no_grad_restores_on_error_and_nests() -> None:
    with pytest.raises(RuntimeError), no_grad():
        raise RuntimeError("boom")
    assert is_grad_enabled()
    with no_grad():
        with enable_grad():
            assert is_grad_enabled()
            z = Value(1.0) * 2
        assert not is_grad_enabled()
    assert len(z.parents) == 2


def test_no_grad_as_decorator() -> None:
    @no_grad()
    def predict(v: Value) -> Value:
        return v * 3

    assert predict(Value(1.0)).parents == ()


def test_detach_stops_gradients() -> None:
    x = Value(3.0, label="x")
    d = x.detach()
    assert d.data == 3.0 and d.parents == () and d is not x and d.label == "x"
    y = x * d
    y.backward()
    assert x.grad == 3.0 and d.grad == 3.0  # only the x path reaches x


def test_anomaly_names_the_first_bad_op_and_its_inputs() -> None:
    x = Value(800.0)
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        y = x.exp()  # inf: the first bad op
        (y - y).log()
    msg = str(info.value)
    assert "'exp'" in msg and "800.0" in msg and "inf" in msg


def test_anomaly_catches_nan_from_inf_minus_inf() -> None:
    big = Value(1e308)
    with no_grad():
        inf = big * 10  # inf made outside anomaly mode
    with detect_anomaly(), pytest.raises(AnomalyError, match="'-'"):
        inf - inf


def test_anomaly_in_backward_names_the_op() -> None:
    x = Value(0.0)
    y = x.sqrt() * 0.0 + x.sqrt()
    with detect_anomaly(), pytest.raises(AnomalyError, match="'sqrt'"):
        y.backward()


def test_without_anomaly_mode_nan_passes_silently() -> None:
    y = Value(1000.0).exp()
    assert y.data == math.inf and (y - y).data != (y - y).data


def test_anomaly_mode_restores() -> None:
    from autograd_core.modes import is_anomaly_enabled

    with detect_anomaly():
        assert is_anomaly_enabled()
    assert not is_anomaly_enabled()


def test_gc_paused_restores_the_collector_even_on_error() -> None:
    import gc

    from autograd_core import gc_paused

    assert gc.isenabled()
    with pytest.raises(KeyError), gc_paused():
        assert not gc.isenabled()
        raise KeyError("boom")
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()
