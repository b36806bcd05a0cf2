"""Training: ``fit`` (the five steps, with callbacks), ``predict``, the ``History`` of a
run, and the eager and compiled engines behind one interface."""

from .callbacks import Callback, EarlyStopping, GradientFlow, ProgressBar, layer_gradient_means
from .fit import TrainingRun, fit
from .history import History
from .predict import predict, predict_classes, predict_proba

__all__ = [
    "Callback",
    "EarlyStopping",
    "GradientFlow",
    "History",
    "ProgressBar",
    "TrainingRun",
    "fit",
    "layer_gradient_means",
    "predict",
    "predict_classes",
    "predict_proba",
]
