"""Classic backpropagation tables, regenerated from real, seeded training runs.

``python -m nn.experiments NAME`` runs one (``--list`` names them all, ``all`` runs every
one, ``--quick`` shrinks each to a few seconds, ``--csv PATH`` saves the table and
``--plot PATH`` a chart). From Python: ``run("learning_rate", quick=True)`` returns a
``Table`` whose ``markdown()`` is what the command prints.

Course notes often show such tables with invented numbers; these come from real
training, so a teacher can show the real effect and a student can change a setting and
watch it move.
"""

from __future__ import annotations

# Importing the modules registers their experiments.
from . import architecture, generalization, optimization  # noqa: F401
from .core import EXPERIMENTS, Table, run

# The order --list and "all" use: optimisation, then the network, then the data.
ORDER = [
    "gradient_descent",
    "epochs",
    "learning_rate",
    "batch_size",
    "optimizer",
    "activation",
    "initialization",
    "hidden_layers",
    "vanishing_gradients",
    "summary",
    "regularization",
    "training_size",
    "preprocessing",
    "class_imbalance",
]
for _name in [*ORDER, *[n for n in EXPERIMENTS if n not in ORDER]]:
    EXPERIMENTS[_name] = EXPERIMENTS.pop(_name)

__all__ = ["EXPERIMENTS", "ORDER", "Table", "run"]
