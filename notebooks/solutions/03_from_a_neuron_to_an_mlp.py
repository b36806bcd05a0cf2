"""Solutions to the exercises of notebooks/03_from_a_neuron_to_an_mlp.ipynb.

Each "# %% <exercise id>" section is the solution of the exercise cell whose check(...)
call names that id: it replaces the cell's placeholder code. tests/test_exercises.py runs
the lesson with these in place (the checker must say "right").
"""

# %% 03-bce-logit-gradient
import math

# bce = -[t log p + (1 - t) log(1 - p)], p = sigmoid(z); d bce/dp * dp/dz simplifies to p - t.
p_value = 1 / (1 + math.exp(-0.5))  # 0.6225
answer = p_value - 1  # -0.3775
check("03-bce-logit-gradient", answer)

# %% 03-parameter-count
# (inputs + 1 bias) * neurons, layer by layer
answer = (2 + 1) * 8 + (8 + 1) * 8 + (8 + 1) * 1  # 24 + 72 + 9 = 105
check("03-parameter-count", answer)

# %% 03-bce-and-gradient
import math


def bce_and_gradient(z, t):
    p = 1 / (1 + math.exp(-z))
    loss = -(t * math.log(p) + (1 - t) * math.log(1 - p))
    return (loss, p - t)  # the sigmoid's slope cancels the log's 1/p


check("03-bce-and-gradient", bce_and_gradient)

# %% 03-bce-and-gradient (wrong)
import math


def bce_and_gradient(z, t):
    p = 1 / (1 + math.exp(-z))
    return (-(t * math.log(p) + (1 - t) * math.log(1 - p)), t - p)  # the sign flipped


check("03-bce-and-gradient", bce_and_gradient)
