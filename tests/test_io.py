"""Saving and loading: round trips, atomic writes, and clear errors for bad files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import nn
from nn import MLP, RNN, ModelFileError


def test_round_trip_gives_identical_predictions(tmp_path: Path) -> None:
    model = MLP(3, [5, 4, 2], activation="tanh", output_activation="softmax", seed=0, dropout=0.1)
    path = tmp_path / "m.json"
    model.save(path)
    same = MLP.load(path)
    model.eval()
    same.eval()
    x = [0.1, -0.4, 2.0]
    assert [v.data for v in same(x)] == [v.data for v in model(x)]
    assert same.config() == model.config()
    doc = json.loads(path.read_text())
    assert doc["format"] == "chainrule-model" and doc["version"] == 1
    assert doc["architecture"]["type"] == "MLP" and len(doc["parameters"]) == model.num_parameters()


def test_rnn_round_trip_and_generic_load(tmp_path: Path) -> None:
    r = RNN(1, 3, seed=0)
    r.save(tmp_path / "r.json")
    back = nn.load(tmp_path / "r.json")
    assert isinstance(back, RNN)
    seq = [0.5, -0.1, 0.3]
    assert [v.data for v in back(seq)] == [v.data for v in r(seq)]
    with pytest.raises(ValueError, match="not a MLP"):
        MLP.load(tmp_path / "r.json")


def test_a_failed_save_leaves_the_old_file_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.json"
    MLP(2, [2, 1], seed=0).save(path)
    before = path.read_bytes()

    def crash(*args: object) -> None:
        raise OSError("disk pulled out mid-save")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="mid-save"):
        MLP(2, [2, 1], seed=1).save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]  # no temp file left behind


def test_nan_parameters_are_not_saved(tmp_path: Path) -> None:
    m = MLP(2, [1], seed=0)
    m.parameters()[0].data = float("nan")
    with pytest.raises(ValueError, match="diverged"):
        m.save(tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "bad.json"
    p.write_text(text)
    return p


def test_bad_files_give_clear_errors(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    MLP(2, [3, 1], seed=0).save(good)
    text = good.read_text()
    doc = json.loads(text)
    cases = {
        "truncated": (text[: len(text) // 2], "not valid JSON"),
        "not json": ("hello", "not valid JSON"),
        "other format": (json.dumps({"format": "keras"}), "not a chainrule model"),
        "future version": (json.dumps({**doc, "version": 99}), "version 99"),
        "unknown type": (
            json.dumps({**doc, "architecture": {"type": "os.system", "config": {}}}),
            "unknown architecture",
        ),
        "bad config key": (
            json.dumps(
                {
                    **doc,
                    "architecture": {"type": "MLP", "config": {**doc["architecture"]["config"], "exec": 1}},
                }
            ),
            "no argument",
        ),
        "bad config value": (
            json.dumps({**doc, "architecture": {"type": "MLP", "config": {"nin": -1, "nouts": [1]}}}),
            "cannot be built",
        ),
        "missing parameter": (
            json.dumps({**doc, "parameters": dict(list(doc["parameters"].items())[:-1])}),
            "missing",
        ),
        "string parameter": (
            json.dumps({**doc, "parameters": {**doc["parameters"], "layers.0.neurons.0.b": "1"}}),
            "finite number",
        ),
        "nan parameter": (text.replace('"layers.0.neurons.0.b": 0.0', '"layers.0.neurons.0.b": NaN'), "NaN"),
    }
    for name, (content, words) in cases.items():
        with pytest.raises(ModelFileError, match=words):
            MLP.load(_write(tmp_path, content))
        assert name


def test_binary_garbage_and_missing_file(tmp_path: Path) -> None:
    p = tmp_path / "pickle.bin"
    p.write_bytes(b"\x80\x04\x95\xff\xfe")
    with pytest.raises(ModelFileError, match="not"):
        nn.load(p)
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "nope.json")


def test_library_never_imports_pickle() -> None:
    root = Path(__file__).parents[1]
    for pkg in ("autograd_core", "nn"):
        for f in (root / pkg).rglob("*.py"):
            assert "import pickle" not in f.read_text(), f
