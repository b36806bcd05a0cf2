"""Solutions to the exercises of notebooks/05_regularisation_and_generalisation.ipynb.

Each "# %% <exercise id>" section is the solution of the exercise cell whose check(...)
call names that id: it replaces the cell's placeholder code. tests/test_exercises.py runs
the lesson with these in place (the checker must say "right").
"""

# %% 05-l2-gradient
answer = 2 * 0.01 * 0.8  # d/dw (0.01 w^2) = 0.02 w = 0.016
check("05-l2-gradient", answer)

# %% 05-dropout-scale
answer = 2.0 / (1 - 0.3)  # survivors are scaled by 1/(1-p): 2.857
check("05-dropout-scale", answer)


# %% 05-inverted-dropout
def inverted_dropout(xs, keep, p):
    # kept with probability 1 - p, so a kept value is scaled by 1 / (1 - p): the mean stays x
    return [x / (1 - p) if k else 0.0 for x, k in zip(xs, keep)]


check("05-inverted-dropout", inverted_dropout)


# %% 05-inverted-dropout (wrong)
def inverted_dropout(xs, keep, p):
    return [x * (1 - p) if k else 0.0 for x, k in zip(xs, keep)]  # scales down, not up


check("05-inverted-dropout", inverted_dropout)
