"""Solutions to the exercises of notebooks/08_real_data_digits.ipynb.

Each "# %% <exercise id>" section is the solution of the exercise cell whose check(...)
call names that id: it replaces the cell's placeholder code. tests/test_exercises.py runs
the lesson with these in place (the checker must say "right").
"""

# %% 08-chance-loss
import math

answer = -math.log(1 / 10)  # equal logits: p = 1/10 for the true class; ln 10 = 2.3026
check("08-chance-loss", answer)

# %% 08-softmax-gradient
import math

exps = [math.exp(v) for v in (2.0, 1.0, 0.1)]
p0 = exps[0] / sum(exps)  # 0.659
answer = p0 - 1  # p_0 - 1 for the true class: -0.341
check("08-softmax-gradient", answer)


# %% 08-confusion-matrix
def confusion_matrix(y_true, y_pred, k):
    m = [[0] * k for _ in range(k)]
    for t, p in zip(y_true, y_pred):
        m[t][p] += 1  # row: the true class; column: the prediction
    return m


check("08-confusion-matrix", confusion_matrix)


# %% 08-confusion-matrix (wrong)
def confusion_matrix(y_true, y_pred, k):
    m = [[0] * k for _ in range(k)]
    for t, p in zip(y_true, y_pred):
        m[p][t] += 1  # rows and columns swapped
    return m


check("08-confusion-matrix", confusion_matrix)
