"""`python -m s2s_ad demo backprop`: the lecture's sigmoid network and its δ recursion.

With L = 3 layers (no biases), a1 = x, z^(l+1) = Θ^(l) a^(l), a^(l+1) = g(z^(l+1)),
ŷ = a^(4), and the slides' objective L = y log ŷ + (1 - y) log(1 - ŷ), backprop is
    δ^(L+1) = y - a^(L+1),   δ^(l) = a^(l)(1 - a^(l)) Σ_k δ_k^(l+1) Θ_ki^(l),
    ∂L/∂Θ_ij^(l) = δ_i^(l+1) a_j^(l).
This demo computes that by hand beside s2s_ad's gradient of the plain forward code,
and shows which generated statements compute which δ (δ^(l) is z^(l)'s adjoint).
"""
import numpy as np

from ..api import value_and_grad
from ..examples import lecture_network
from ..trace_tables import trace_table
from .text import say

WIDTH, INPUTS, SEED = 4, 3, 0


def example(m=WIDTH, d=INPUTS, seed=SEED):
    """Θ^(1): m x d, Θ^(2): m x m, Θ^(3): m; one input x and its label y = 1."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((m, d)), rng.standard_normal((m, m)),
            rng.standard_normal(m), rng.standard_normal(d), 1.0)


def delta_recursion(theta1, theta2, theta3, x, y):
    """The lecture's backprop, by hand: the δs and the three gradients."""
    def g(z):
        return 1.0 / (1.0 + np.exp(-z))
    a1 = x
    a2 = g(theta1 @ a1)
    a3 = g(theta2 @ a2)
    a4 = g(theta3 @ a3)
    delta4 = y - a4
    delta3 = a3 * (1 - a3) * (theta3 * delta4)      # Σ_k δ_k^(4) Θ_ki^(3), one k
    delta2 = a2 * (1 - a2) * (theta2.T @ delta3)
    grads = (np.outer(delta2, a1), np.outer(delta3, a2), delta4 * a3)
    return {4: delta4, 3: delta3, 2: delta2}, grads


def run(brief=False):
    args = example()
    deltas, by_hand = delta_recursion(*args)
    _, generated = value_and_grad(lecture_network, argnums=(0, 1, 2))(*args)
    explicit = trace_table(lecture_network, *args, argnums=(0, 1, 2))
    lean = trace_table(lecture_network, *args, argnums=(0, 1, 2), lean=True)
    print(f"The lecture's network with L = 3 layers, width m = {WIDTH}, d = {INPUTS} "
          "inputs, y = 1 (s2s_ad.examples.lecture_network)\n")
    if not brief:
        print(explicit)
    print("δ by the recursion, beside the adjoint of z^(l) in s2s_ad's generated code:")
    adjoint = {r.name: r.value for r in explicit.reverse}
    for layer in (4, 3, 2):
        print(f"  δ^({layer}) = {_vec(deltas[layer]):<40} z{layer}_bar = "
              f"{_vec(adjoint[f'z{layer}_bar'])}")
    print("\n∂L/∂Θ^(l) = δ^(l+1) a^(l)ᵀ by hand, beside s2s_ad's gradient (first entries):")
    for layer, (mine, theirs) in enumerate(zip(by_hand, generated), 1):
        print(f"  Θ^({layer}) by hand {_vec(mine.ravel()[:3])}\n       s2s_ad  "
              f"{_vec(theirs.ravel()[:3])}   largest difference "
              f"{np.max(np.abs(mine - theirs)):.1e}")
    print("\nWhich generated statements compute which δ:")
    for layer in (4, 3, 2):
        print(f"  δ^({layer}): explicit code   {_statement(explicit, deltas[layer], layer)}")
        print(f"         lean code       {_statement(lean, deltas[layer], layer)}")
    print()
    say("The explicit code names δ^(l) z{l}_bar, one contribution per statement; the lean "
        "code s2s_ad runs folds the sigmoid's derivative a(1 - a) = a² e^(-z) into the "
        "same product, and carries some δs negated (the `_neg` names) or inside the "
        "statement that uses them.")
    return {"deltas": deltas, "by_hand": by_hand, "generated": generated,
            "explicit": explicit, "lean": lean}


def _statement(table, delta, layer):
    """The reverse statement whose value is δ^(layer) (z{layer}_bar's first), else one
    holding -δ, else the statement for Θ^(layer-1)'s gradient, which uses it."""
    def matching(sign):
        return [r for r in table.reverse if np.shape(r.value) == np.shape(delta) and
                np.allclose(np.asarray(r.value, dtype=float), sign * delta, rtol=1e-12,
                            atol=1e-15)]
    same = matching(1.0)
    if same:
        named = [r for r in same if r.name == f"z{layer}_bar"]
        return (named or same)[0].text
    negated = matching(-1.0)
    if negated:
        return f"{negated[0].text}   (holds -δ)"
    uses = [r.text for r in table.reverse if r.name == f"theta{layer - 1}_bar"]
    return f"inside {uses[-1]}" if uses else "(not a statement of its own)"


def _vec(v):
    return np.array2string(np.atleast_1d(np.asarray(v, dtype=float)), precision=4,
                           separator=", ", suppress_small=True)
