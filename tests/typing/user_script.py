"""A user's script, as a student writes one: mypy --strict must pass on it (run by
tests/test_typing.py), so the lazily loaded names and the transforms have real types."""

from autograd_core import Value, draw_graph, explain, grad, value_and_grad
from nn import MLP, History, fit, predict, predict_proba

x = Value(2.0, label="x")
y = (x * x).tanh()
y.backward()
picture = draw_graph(y, color_by="grad")
svg: str = picture.svg()
replay = explain(y)
table: str = replay.table()
steps: int = len(replay)

slope: float = grad(lambda t: t**3)(3.0)
curvature: float = grad(grad(lambda t: t**3))(3.0)
both = grad(lambda a, b: a * b, argnums=(0, 1))(2.0, 3.0)
first: float = both[0]
value, gradient = value_and_grad(lambda t: t.exp())(0.0)

model = MLP(2, [4, 1], seed=0)
out = model([0.5, -1.0])
history: History = fit(model, [[0.0, 1.0], [1.0, 0.0]], [0, 1], loss="bce", epochs=2, progress=False)
losses: list[float] = history["loss"]
columns: dict[str, list[float]] = history.history
predictions = predict(model, [[0.0, 1.0]])
probabilities: list[list[float]] = predict_proba(model, [[0.0, 1.0]])
print(svg[:10], table[:10], steps, slope, curvature, first, value, gradient, out, losses, columns)
print(predictions, probabilities)
