"""Solutions to the exercises of notebooks/07_recurrent_networks_and_bptt.ipynb.

Each "# %% <exercise id>" section is the solution of the exercise cell whose check(...)
call names that id: it replaces the cell's placeholder code. tests/test_exercises.py runs
the lesson with these in place (the checker must say "right").
"""

# %% 07-bptt-sum
w = 0.5
h1 = 1.0  # w * 0 + 1
h2 = w * h1 + 2  # 2.5
# dh1/dw = h0 = 0; dh2/dw = h1 + w dh1/dw = 1; dh3/dw = h2 + w dh2/dw = 2.5 + 0.5
answer = h2 + w * (h1 + w * 0.0)  # 3.0
check("07-bptt-sum", answer)

# %% 07-parameter-count
# W_xh 6x1, W_hh 6x6, b_h 6, W_hy 1x6, b_y 1; shared by all time steps
answer = 6 * 1 + 6 * 6 + 6 + 1 * 6 + 1  # 55
check("07-parameter-count", answer)

# %% 07-bptt-two-steps
import math


def bptt_two_steps(w, u, h0, x1, x2):
    h1 = math.tanh(w * h0 + u * x1)
    h2 = math.tanh(w * h1 + u * x2)
    dh1_dw = (1 - h1**2) * h0  # step 1's use of w
    return (1 - h2**2) * (h1 + w * dh1_dw)  # step 2's use, plus step 1's through h1


check("07-bptt-two-steps", bptt_two_steps)

# %% 07-bptt-two-steps (wrong)


def bptt_two_steps(w, u, h0, x1, x2):
    h1 = math.tanh(w * h0 + u * x1)
    h2 = math.tanh(w * h1 + u * x2)
    return (1 - h2**2) * h1  # truncated: only the last step's use of w


check("07-bptt-two-steps", bptt_two_steps)
