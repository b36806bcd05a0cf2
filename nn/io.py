"""The model file format: plain JSON, written atomically, read with bounds.

A model file holds ``{"format": "chainrule-model", "version": 1, "architecture":
{"type": "MLP", "config": {...}}, "parameters": {name: number}}``. This module knows the
format only; ``Module.save`` and ``Module.load`` (in ``module.py``) decide what goes in
and rebuild a model from an allow-list of architectures.

Saving writes a temporary file beside the target and renames it over the target, so a
crash mid-save leaves the old file intact (and keeps the old file's permissions).
Loading reads regular files only, at most ``MAX_FILE_BYTES``, parses JSON only (never
pickle) and checks every field's type before anything is built.
"""

from __future__ import annotations

import json
import math
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

FORMAT = "chainrule-model"
VERSION = 1
MAX_FILE_BYTES = 64 * 1024 * 1024  # ~2 million parameters as text; a model this big is no scalar toy
_TEMP_PREFIX = ".chainrule-save."


class ModelFileError(ValueError):
    """A model file is truncated, corrupt, of another format, too large, or does not fit."""


def write_model_file(path: str | Path, kind: str, config: dict[str, Any], params: dict[str, float]) -> None:
    """Write one model file atomically (temp file, fsync, rename)."""
    bad = [k for k, v in params.items() if not math.isfinite(v)]
    if bad:
        raise ValueError(f"cannot save: parameter {bad[0]!r} is {params[bad[0]]} (training diverged?)")
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "architecture": {"type": kind, "config": config},
        "parameters": params,
    }
    text = json.dumps(doc, indent=1, allow_nan=False)
    target = Path(path)
    folder = target.parent
    _remove_stale_temps(folder, target.name)
    fd, tmp = tempfile.mkstemp(prefix=f"{_TEMP_PREFIX}{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        _keep_mode(target, tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _keep_mode(target: Path, tmp: str) -> None:
    # mkstemp makes 0600 files; a saved model should have the permissions the old file
    # had, or for a new file the ones any file the user makes gets (0666 less the umask).
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(tmp, mode)


def _remove_stale_temps(folder: Path, name: str) -> None:
    """Temp files a killed save of this same file left behind."""
    for leftover in folder.glob(f"{_TEMP_PREFIX}{name}.*.tmp"):
        leftover.unlink(missing_ok=True)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number a model may hold")


def _read_bounded(p: Path) -> str:
    try:
        info = p.stat()  # follows a symlink: what matters is what it points to
    except FileNotFoundError:
        raise FileNotFoundError(f"no model file at {p}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ModelFileError(f"{p} is not a regular file (a device, a pipe or a folder)")
    if info.st_size > MAX_FILE_BYTES:
        raise ModelFileError(f"{p} is {info.st_size:,} bytes; model files are at most {MAX_FILE_BYTES:,}")
    with open(p, "rb") as f:
        raw = f.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise ModelFileError(f"{p} grew past {MAX_FILE_BYTES:,} bytes while being read")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ModelFileError(f"{p} is not a text (JSON) model file") from None


def _parse(p: Path, text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"{p} is not valid JSON (truncated or corrupt?): {exc}") from None
    except RecursionError:
        raise ModelFileError(f"{p} nests its JSON too deeply to be a model file") from None
    except ValueError as exc:  # NaN/Infinity, or an integer too long to convert
        raise ModelFileError(f"{p}: {exc}") from None


def read_model_file(path: str | Path) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(architecture type, config, parameters) from a model file, each checked for its
    type; ``ModelFileError`` names what is wrong. Nothing is built here."""
    p = Path(path)
    doc = _parse(p, _read_bounded(p))
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ModelFileError(f"{p} is not a chainrule model file (no 'format': '{FORMAT}')")
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= VERSION:
        raise ModelFileError(f"{p} has format version {version!r}; this chainrule reads version {VERSION}")
    arch = doc.get("architecture")
    if not isinstance(arch, dict) or not isinstance(arch.get("type"), str):
        raise ModelFileError(f"{p}: 'architecture' must be an object with a 'type' string")
    config = arch.get("config")
    if not isinstance(config, dict):
        raise ModelFileError(f"{p}: the architecture has no 'config' object")
    params = doc.get("parameters")
    if not isinstance(params, dict):
        raise ModelFileError(f"{p}: no 'parameters' object")
    return arch["type"], config, params
