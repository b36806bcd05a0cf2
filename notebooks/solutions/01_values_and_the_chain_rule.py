"""Solutions to the exercises of notebooks/01_values_and_the_chain_rule.ipynb.

Each "# %% <exercise id>" section is the solution of the exercise cell whose check(...)
call names that id: it replaces the cell's placeholder code. tests/test_exercises.py runs
the lesson with these in place (the checker must say "right").
"""

# %% 01-local-derivative
import math

y_value = math.tanh(0.8813735870195432)  # 0.7071... = 1/sqrt(2)
answer = 1 - y_value**2  # d tanh(n)/dn = 1 - tanh(n)^2 = 0.5
check("01-local-derivative", answer)

# %% 01-two-consumers
# u = a*b = -6 and v = a + c = 12. a feeds both:
# dw/da = dw/du * du/da + dw/dv * dv/da = v * b + u * 1 = 12 * (-3) + (-6)
answer = 12 * (-3) + (-6)  # -42
check("01-two-consumers", answer)

# %% 01-neuron-weight
# dy/dw1 = dy/dn * dn/dw1 = (1 - y^2) * x1 = 0.5 * 2
answer = 0.5 * 2.0
check("01-neuron-weight", answer)


# %% 01-mul-backward
def mul_backward(a, b, out_grad):
    # out = a * b: d out/da = b and d out/db = a; the chain rule multiplies each by out_grad
    return (b * out_grad, a * out_grad)


check("01-mul-backward", mul_backward)


# %% 01-mul-backward (wrong)
def mul_backward(a, b, out_grad):
    return (a * out_grad, b * out_grad)  # the classic slip: each input's own value


check("01-mul-backward", mul_backward)
