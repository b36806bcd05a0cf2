"""Solutions to the exercises of notebooks/06_vanishing_gradients_and_initialisation.ipynb.

Each "# %% <exercise id>" section is the solution of the exercise cell whose check(...)
call names that id: it replaces the cell's placeholder code. tests/test_exercises.py runs
the lesson with these in place (the checker must say "right").
"""

# %% 06-sigmoid-chain-bound
# sigmoid'(z) = s(1 - s) <= 1/4, |w| <= 1: each layer scales by at most 1/4.
answer = (1 / 4) ** 8  # 1.5e-5
check("06-sigmoid-chain-bound", answer)

# %% 06-dead-relu-gradient
z_value = 0.6 * 1.5 - 1.0  # -0.1: the unit is off
answer = (1.0 if z_value > 0 else 0.0) * 1.5  # relu'(z) * x = 0
check("06-dead-relu-gradient", answer)

# %% 06-first-weight-gradient
import math


def first_weight_gradient(weights, x):
    hs = [x]
    for w in weights:  # forward, keeping every h
        hs.append(1 / (1 + math.exp(-w * hs[-1])))
    slopes = math.prod(h * (1 - h) for h in hs[1:])  # each layer's sigmoid slope
    return x * slopes * math.prod(weights[1:])  # the input, the slopes, the weights above


check("06-first-weight-gradient", first_weight_gradient)

# %% 06-first-weight-gradient (wrong)


def first_weight_gradient(weights, x):
    return math.prod(weights[1:])  # "the product of the weights above": only part of it


check("06-first-weight-gradient", first_weight_gradient)
