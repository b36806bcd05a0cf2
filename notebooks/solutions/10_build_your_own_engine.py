"""Solutions to the exercises of notebooks/10_build_your_own_engine.ipynb.

Each "# %% <exercise id>" section is the solution of the exercise cell whose check(...)
call names that id: it replaces the cell's placeholder code. A "# %% <id> (wrong)"
section is a classic wrong attempt, which the checker must refuse with a failing input.
tests/test_exercises.py runs the lesson with these in place. They patch the lesson's
`Value` class (defined in the cell before the first exercise) one method at a time.
"""


# %% 10-add-mul
def add(self, other):
    out = Value(self.data + other.data, (self, other), "+")

    def _backward():
        self.grad += out.grad  # d(a + b)/da = 1; += because a value may be used again
        other.grad += out.grad

    out._backward = _backward
    return out


def mul(self, other):
    out = Value(self.data * other.data, (self, other), "*")

    def _backward():
        self.grad += other.data * out.grad  # d(a * b)/da = b
        other.grad += self.data * out.grad

    out._backward = _backward
    return out


Value.__add__ = add
Value.__mul__ = mul
check("10-add-mul", Value)


# %% 10-add-mul (wrong)
def mul(self, other):
    out = Value(self.data * other.data, (self, other), "*")

    def _backward():
        self.grad += self.data * out.grad  # each input's own value: the classic slip
        other.grad += other.data * out.grad

    out._backward = _backward
    return out


Value.__mul__ = mul
check("10-add-mul", Value)

# %% 10-tanh
import math


def tanh(self):
    t = math.tanh(self.data)
    out = Value(t, (self,), "tanh")

    def _backward():
        self.grad += (1 - t**2) * out.grad  # tanh' = 1 - tanh^2

    out._backward = _backward
    return out


Value.tanh = tanh
check("10-tanh", Value)


# %% 10-tanh (wrong)
def tanh(self):
    t = math.tanh(self.data)
    out = Value(t, (self,), "tanh")

    def _backward():
        self.grad += (1 - t) * out.grad  # 1 - t, not 1 - t squared

    out._backward = _backward
    return out


Value.tanh = tanh
check("10-tanh", Value)


# %% 10-topological-order
def topological_order(root):
    order, seen = [], set()

    def visit(v):
        if v not in seen:
            seen.add(v)
            for child in v._prev:
                visit(child)  # everything v is made from goes first
            order.append(v)

    visit(root)
    return order


check("10-topological-order", topological_order)


# %% 10-topological-order (wrong)
def topological_order(root):
    order = []

    def visit(v):
        order.append(v)  # v before its children, and no memory of what was seen
        for child in v._prev:
            visit(child)

    visit(root)
    return order


check("10-topological-order", topological_order)


# %% 10-backward
def backward(self):
    order = topological_order(self)
    self.grad = 1.0  # d out / d out
    for v in reversed(order):  # every user of v has passed its gradient before v passes on
        v._backward()


Value.backward = backward
check("10-backward", Value)


# %% 10-backward (wrong)
def backward(self):
    order = topological_order(self)
    self.grad = 1.0
    for v in order:  # forward order: each node passes on before it has its gradient
        v._backward()


Value.backward = backward
check("10-backward", Value)


# %% 10-train-neuron
def train_neuron(w, b, data, lr, steps):
    params = [Value(w[0]), Value(w[1]), Value(b)]
    for _ in range(steps):
        loss = Value(0.0)
        for (x1, x2), t in data:
            y = (params[0] * Value(x1) + params[1] * Value(x2) + params[2]).tanh()
            d = y + Value(-t)
            loss = loss + d * d
        for p in params:
            p.grad = 0.0  # the grads accumulate (+=): clear them before each backward
        loss.backward()
        for p in params:
            p.data -= lr * p.grad
    return [p.data for p in params]


check("10-train-neuron", train_neuron)


# %% 10-train-neuron (wrong)
def train_neuron(w, b, data, lr, steps):
    params = [Value(w[0]), Value(w[1]), Value(b)]
    for _ in range(steps):
        loss = Value(0.0)
        for (x1, x2), t in data:
            y = (params[0] * Value(x1) + params[1] * Value(x2) + params[2]).tanh()
            d = y + Value(-t)
            loss = loss + d * d
        loss.backward()  # no zeroing: each step adds to the last step's gradients
        for p in params:
            p.data -= lr * p.grad
    return [p.data for p in params]


check("10-train-neuron", train_neuron)
