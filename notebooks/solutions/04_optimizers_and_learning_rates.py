"""Solutions to the exercises of notebooks/04_optimizers_and_learning_rates.ipynb.

Each "# %% <exercise id>" section is the solution of the exercise cell whose check(...)
call names that id: it replaces the cell's placeholder code. tests/test_exercises.py runs
the lesson with these in place (the checker must say "right").
"""

# %% 04-momentum-step
theta, buf = 1.0, 0.0
theta, buf = theta - 0.1 * 0.5, 0.5  # step 1: b_1 = g_1 = 0.5
buf = 0.9 * buf + 0.5  # step 2: b_2 = 0.9 * 0.5 + 0.5 = 0.95
answer = theta - 0.1 * buf  # 0.95 - 0.095 = 0.855
check("04-momentum-step", answer)

# %% 04-adam-first-step
import math

g = 0.2
m_hat = (1 - 0.9) * g / (1 - 0.9)  # = g
v_hat = (1 - 0.999) * g**2 / (1 - 0.999)  # = g^2
answer = 1.0 - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8)  # about 1 - 0.1 = 0.9
check("04-adam-first-step", answer)

# %% 04-largest-stable-lr
# w <- w - lr * 4w = (1 - 4 lr) w shrinks only while |1 - 4 lr| < 1, that is lr < 2/4.
answer = 2 / 4
check("04-largest-stable-lr", answer)

# %% 04-adam-update
import math


def adam_update(theta, g, m, v, t, lr):
    m = 0.9 * m + 0.1 * g  # running average of the gradient
    v = 0.999 * v + 0.001 * g * g  # and of its square
    m_hat = m / (1 - 0.9**t)  # both started at 0: undo that bias
    v_hat = v / (1 - 0.999**t)
    return (theta - lr * m_hat / (math.sqrt(v_hat) + 1e-8), m, v)


check("04-adam-update", adam_update)

# %% 04-adam-update (wrong)
import math


def adam_update(theta, g, m, v, t, lr):
    m = 0.9 * m + 0.1 * g
    v = 0.999 * v + 0.001 * g * g
    return (theta - lr * m / (math.sqrt(v) + 1e-8), m, v)  # no bias correction


check("04-adam-update", adam_update)
