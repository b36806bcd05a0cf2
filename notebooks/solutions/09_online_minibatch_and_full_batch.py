"""Solutions to the exercises of notebooks/09_online_minibatch_and_full_batch.ipynb.

Each "# %% <exercise id>" section is the solution of the exercise cell whose check(...)
call names that id: it replaces the cell's placeholder code. tests/test_exercises.py runs
the lesson with these in place (the checker must say "right").
"""

# %% 09-updates-per-epoch
import math

answer = math.ceil(200 / 32)  # 6 full batches of 32 and one of 8: 7
check("09-updates-per-epoch", answer)

# %% 09-batch-gradient
# d/dw (w x - t)^2 = 2 (w x - t) x: sample 1: 2 * (0.5 - 1) * 1 = -1; sample 2: 2 * (1 - 2) * 2 = -4
answer = (-1 + -4) / 2  # the mean: -2.5
check("09-batch-gradient", answer)


# %% 09-minibatch-step
def minibatch_step(w, b, batch, lr):
    n = len(batch)
    gw = sum(2 * (w * x + b - t) * x for x, t in batch) / n  # the mean of the samples' gradients
    gb = sum(2 * (w * x + b - t) for x, t in batch) / n
    return (w - lr * gw, b - lr * gb)


check("09-minibatch-step", minibatch_step)


# %% 09-minibatch-step (wrong)
def minibatch_step(w, b, batch, lr):
    gw = sum(2 * (w * x + b - t) * x for x, t in batch)  # the sum, not the mean
    gb = sum(2 * (w * x + b - t) for x, t in batch)
    return (w - lr * gw, b - lr * gb)


check("09-minibatch-step", minibatch_step)
