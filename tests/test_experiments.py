"""The experiments: every one prints a real table in --quick mode, and the tables show
the effects they are about (seeded runs, so these are stable)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nn.experiments import EXPERIMENTS, ORDER, Table, run
from nn.experiments.__main__ import main


@pytest.fixture(scope="module")
def tables() -> dict[str, Table]:
    return {name: run(name, quick=True) for name in EXPERIMENTS}


def test_every_experiment_makes_a_table(tables: dict[str, Table]) -> None:
    assert list(EXPERIMENTS) == ORDER
    for name, t in tables.items():
        assert t.rows and all(len(r) == len(t.columns) for r in t.rows), name
        md = t.markdown()
        assert md.startswith("### ") and "| " + " | ".join(t.columns) + " |" in md
        assert t.seconds < 30, (name, t.seconds)


def test_gradient_descent_error_falls(tables: dict[str, Table]) -> None:
    errors = tables["gradient_descent"].column("error (cross-entropy)")
    assert errors == sorted(errors, reverse=True) and errors[-1] < 0.7 * errors[0]


def test_epochs_shows_overfitting(tables: dict[str, Table]) -> None:
    t = tables["epochs"]
    val = t.column("validation loss")
    assert min(val) < val[-1] and "lowest at epoch" in t.note


def test_learning_rates_are_the_four_asked_for(tables: dict[str, Table]) -> None:
    lrs = tables["learning_rate"].column("learning rate")
    assert lrs[:4] == [0.001, 0.01, 0.1, 1.0]
    assert lrs[4:] == [10.0]  # and one too large
    acc = tables["learning_rate"].column("validation accuracy")
    assert acc[0] < max(a for a in acc if a is not None)


def test_the_largest_learning_rate_diverges(tables: dict[str, Table]) -> None:
    t = tables["learning_rate"]
    last = t.rows[-1]
    assert last[0] == 10.0 and last[2] is None and last[3].startswith("diverged")
    assert all(not r[3] for r in t.rows[:-1])  # the others train
    assert "diverged here: lr = 10" in t.note


def test_every_table_states_its_training_settings(tables: dict[str, Table]) -> None:
    untrained = {"summary", "vanishing_gradients"}
    for name, t in tables.items():
        text = t.title + " " + t.note
        if "settings" in t.columns:  # one row per optimizer, each with its own settings
            text += " " + " ".join(t.column("settings"))
        if name not in untrained:
            assert "lr" in text and "epoch" in text, (name, t.title)
    settings = tables["optimizer"].column("settings")
    assert settings[1] == "lr 0.1, momentum 0.9" and all("lr" in s or "step" in s for s in settings)


def test_markdown_tables_stay_tables(tables: dict[str, Table]) -> None:
    """A | inside a header or a cell would split it: every row has as many cells as the header."""
    for name, t in tables.items():
        lines = [ln for ln in t.markdown().splitlines() if ln.startswith("|")]
        widths = {len(ln.replace("\\|", "").split("|")) for ln in lines}
        assert len(widths) == 1, (name, widths)
    assert "mean abs(output) at start" in tables["initialization"].columns
    md = Table("x", "t", ["a|b"], [["c|d"]]).markdown()
    assert "| a\\|b |" in md and "| c\\|d |" in md


def test_a_table_shows_as_markdown_in_jupyter(tables: dict[str, Table]) -> None:
    t = tables["summary"]
    assert t._repr_markdown_() == t.markdown()


def test_batch_sizes_and_optimizers(tables: dict[str, Table]) -> None:
    assert tables["batch_size"].column("batch size") == [1, 10, 100, "full"]
    assert tables["batch_size"].column("updates per epoch") == [140, 14, 2, 1]
    names = tables["optimizer"].column("optimizer")
    assert names == ["gradient descent", "momentum", "Rprop", "conjugate gradient", "RMSprop", "Adam"]
    assert all(e is not None for e in tables["optimizer"].column("epochs to target"))


def test_deep_sigmoid_gradients_vanish_and_relu_ones_do_not(tables: dict[str, Table]) -> None:
    extra = tables["vanishing_gradients"].extra
    assert extra["sigmoid_ratio"] < 1e-3 < 1e-1 < extra["relu_ratio"]


def test_initialisation_matters_in_a_deep_net(tables: dict[str, Table]) -> None:
    t = tables["initialization"]
    by = {r[0]: r for r in t.rows}
    assert by["he_uniform"][2] is not None and by["he_uniform"][3] is not None
    assert by["uniform"][1] > 100 * by["he_uniform"][1]  # the signal explodes with U(-1, 1)
    assert by["xavier_uniform"][1] < by["he_uniform"][1]  # and shrinks with Xavier under relu


def test_a_hidden_layer_is_needed_for_spirals(tables: dict[str, Table]) -> None:
    err = tables["hidden_layers"].column("training error")
    assert err[0] > 0.25 and min(err[2:]) < 0.05


def test_summary_counts(tables: dict[str, Table]) -> None:
    assert tables["summary"].rows[-1] == ["total", "", "", 7510]


def test_regularisation_and_preprocessing_rows(tables: dict[str, Table]) -> None:
    reg = tables["regularization"]
    assert [r[0].split(" ")[0] for r in reg.rows] == ["none", "L1", "L2", "dropout", "early"]
    assert reg.rows[-1][3] < reg.rows[0][3]  # early stopping stopped early
    # The setting overfits without regularisation, and every method helps (as lesson 5 says).
    none = reg.rows[0]
    assert none[1] == 0 and all(r[2] < none[2] for r in reg.rows[1:]), reg.rows
    assert min(r[2] for r in reg.rows[1:]) < none[2] - 0.03
    assert tables["preprocessing"].column("inputs") == [64, 64, 64, 20]
    sizes = tables["training_size"]
    acc = sizes.column("test accuracy")
    assert acc[-1] > acc[0]


def test_reweighting_finds_more_of_the_minority(tables: dict[str, Table]) -> None:
    rows = {(r[0], r[1]): r for r in tables["class_imbalance"].rows}
    plain = rows[("unweighted", "1 (minority)")][3]
    weighted = rows[("balanced weights", "1 (minority)")][3]
    assert weighted > plain


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list"]) == 0
    assert "vanishing_gradients" in capsys.readouterr().out
    assert main(["nope"]) == 2
    assert (
        main(["summary", "--quick", "--csv", str(tmp_path / "s.csv"), "--plot", str(tmp_path / "s.png")]) == 0
    )
    assert (tmp_path / "s.csv").read_text().startswith("layer,neurons,activation,parameters")
    assert (tmp_path / "s.png").stat().st_size > 1000
    assert main(["summary", "vanishing_gradients", "--quick", "--csv", str(tmp_path / "many")]) == 0
    assert sorted(p.name for p in (tmp_path / "many").iterdir()) == ["summary.csv", "vanishing_gradients.csv"]


def test_the_chainrule_command(capsys: pytest.CaptureFixture[str]) -> None:
    from nn.cli import main

    assert main(["--help"]) == 0
    assert "demo" in capsys.readouterr().out
    assert main(["experiments", "--list"]) == 0
    assert "gradient_descent" in capsys.readouterr().out
    assert main(["nonsense"]) == 2


def test_the_command_names_a_foreign_nn(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types

    from nn.cli import check_own_nn

    check_own_nn()  # ours: fine
    fake = types.ModuleType("nn")
    fake.__file__ = "/somewhere/else/nn.py"
    monkeypatch.setitem(sys.modules, "nn", fake)
    with pytest.raises(SystemExit, match="not chainrule's"):
        check_own_nn()


def test_the_chainrule_command_speaks_as_typed(capsys: pytest.CaptureFixture[str]) -> None:
    from autograd_core import __version__
    from nn.cli import main

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"chainrule {__version__}"
    assert main(["demoo"]) == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'demoo'" in err and "'playground'" in err
    assert main([]) == 2
    assert "name a COMMAND: demo, experiments, playground" in capsys.readouterr().err
    for command in ("demo", "experiments", "playground"):
        with pytest.raises(SystemExit) as done:
            main([command, "--help"])
        assert done.value.code == 0
        text = capsys.readouterr().out
        assert text.startswith(f"usage: chainrule {command} "), text[:80]
        assert "python -m" not in text and "``" not in text, text
