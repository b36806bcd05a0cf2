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
