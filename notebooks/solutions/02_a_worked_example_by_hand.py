"""Solutions to the exercises of notebooks/02_a_worked_example_by_hand.ipynb.

Each "# %% <exercise id>" section is the solution of the exercise cell whose check(...)
call names that id: it replaces the cell's placeholder code. tests/test_exercises.py runs
the lesson with these in place (the checker must say "right").
"""

# %% 02-delta-output-target
o_value, target = 0.751365070, 0.99  # o does not depend on the target
answer = (o_value - target) * o_value * (1 - o_value)  # -0.0445807
check("02-delta-output-target", answer)

# %% 02-sgd-step
dE_dw6 = 0.138498562 * 0.596884378  # delta_o * h2 = 0.082667628
answer = 0.45 - 0.5 * dE_dw6  # 0.408666186
check("02-sgd-step", answer)

# %% 02-shared-bias
# One bias feeding both hidden sums: the gradients of its two uses add up.
delta_h1 = 0.138498562 * 0.40 * 0.593269992 * (1 - 0.593269992)  # 0.013367920
delta_h2 = 0.138498562 * 0.45 * 0.596884378 * (1 - 0.596884378)  # 0.014996075
answer = delta_h1 + delta_h2  # 0.028363996
check("02-shared-bias", answer)


# %% 02-hidden-delta
def hidden_delta(delta_o, w5, h1):
    # back from z_o to h1 through the weight w5, then through h1's sigmoid (slope h1 (1 - h1))
    return delta_o * w5 * h1 * (1 - h1)


check("02-hidden-delta", hidden_delta)


# %% 02-hidden-delta (wrong)
def hidden_delta(delta_o, w5, h1):
    return delta_o * w5  # stops at h1: forgets its sigmoid


check("02-hidden-delta", hidden_delta)
