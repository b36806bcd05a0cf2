"""Saving and loading models as plain JSON.

A model file holds ``{"format": "chainrule-model", "version": 1, "architecture":
{"type": "MLP", "config": {...}}, "parameters": {name: number}}``. Saving writes a
temporary file beside the target and renames it over the target, so a crash mid-save
leaves the old file intact. Loading parses JSON only (never pickle), rebuilds the model
from an allow-list of architectures and checks every name and number.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import tempfile
from pathlib import Path

from .module import MLP, Layer, Module, Neuron
from .rnn import RNN

FORMAT = "chainrule-model"
VERSION = 1
ARCHITECTURES: dict[str, type[Module]] = {"MLP": MLP, "RNN": RNN, "Layer": Layer, "Neuron": Neuron}


class ModelFileError(ValueError):
    """A model file is truncated, corrupt, of another format, or does not fit."""


def save(model: Module, path: str | Path) -> None:
    """Write ``model`` to ``path`` atomically (temp file, fsync, rename)."""
    name = type(model).__name__
    if name not in ARCHITECTURES:
        raise TypeError(f"cannot save a {name}: saving supports {sorted(ARCHITECTURES)}")
    params = model.state_dict()
    bad = [k for k, v in params.items() if not math.isfinite(v)]
    if bad:
        raise ValueError(f"cannot save: parameter {bad[0]!r} is {params[bad[0]]} (training diverged?)")
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "architecture": {"type": name, "config": model.config()},
        "parameters": params,
    }
    text = json.dumps(doc, indent=1, allow_nan=False)
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number a model may hold")


def load(path: str | Path) -> Module:
    """Rebuild the model saved at ``path``; ``ModelFileError`` names what is wrong."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ModelFileError(f"{p} is not a text (JSON) model file") from None
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"{p} is not valid JSON (truncated or corrupt?): {exc}") from None
    except ValueError as exc:
        raise ModelFileError(f"{p}: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ModelFileError(f"{p} is not a chainrule model file (no 'format': '{FORMAT}')")
    version = doc.get("version")
    if not isinstance(version, int) or version > VERSION or version < 1:
        raise ModelFileError(f"{p} has format version {version!r}; this chainrule reads version {VERSION}")
    arch = doc.get("architecture")
    if not isinstance(arch, dict) or arch.get("type") not in ARCHITECTURES:
        kind = arch.get("type") if isinstance(arch, dict) else None
        raise ModelFileError(f"{p}: unknown architecture {kind!r}; known: {sorted(ARCHITECTURES)}")
    cls = ARCHITECTURES[arch["type"]]
    config = arch.get("config")
    if not isinstance(config, dict):
        raise ModelFileError(f"{p}: the architecture has no 'config' object")
    allowed = set(inspect.signature(cls.__init__).parameters) - {"self", "rng"}
    unknown = sorted(set(config) - allowed)
    if unknown:
        raise ModelFileError(f"{p}: {arch['type']} has no argument(s) {unknown}")
    try:
        model = cls(**config)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{p}: the architecture cannot be built: {exc}") from None
    params = doc.get("parameters")
    if not isinstance(params, dict):
        raise ModelFileError(f"{p}: no 'parameters' object")
    try:
        model.load_state_dict(params)
    except ValueError as exc:
        raise ModelFileError(f"{p}: parameters do not fit the architecture: {exc}") from None
    return model
