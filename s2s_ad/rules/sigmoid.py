"""The logistic sigmoid as people write it, `1.0 / (1.0 + np.exp(-u))`, as one
primitive (sigmoid_fusion.py finds it in the trace).

Rule by rule, its adjoint is the reciprocal's times the exponential's:

    u_bar = A_bar * A * A * np.exp(-u)          # -(-A^2) * exp(-u)

which keeps exp(-u) alive for the reverse sweep and, in forward over reverse (the
Hessian-vector product), makes the tangent of a product of four factors. With
exp(-u) * A = 1 - A the same derivative is the one hand-written backpropagation uses,

    u_bar = A_bar * A * (1.0 - A)

read from the result alone, and the tangent of 1 - A is minus A's, so forward over
reverse has one product fewer to differentiate. The forward sweep still computes the
user's expression, spelled as they wrote it. (In the far tail, u > 37, A rounds to 1.0
and the derivative, below 1e-16, to 0.0, as for scipy.special.expit's rule.)
"""
import ast
import inspect

from . import Rule, _signature


class SigmoidRule(Rule):
    """`1.0 / (1.0 + exp(-x))` with the user's spelling of exp (the statement's callee)."""

    def spell(self, stmt):
        x = stmt.call_args[0]
        exp = ast.Call(stmt.callee, [ast.UnaryOp(ast.USub(), x)], [])
        return ast.BinOp(ast.Constant(1.0), ast.Div(),
                         ast.BinOp(ast.Constant(1.0), ast.Add(), exp))


SIGMOID = SigmoidRule("sigmoid 1 / (1 + exp(-x))", _signature("x"),
                      {"x": "g * ans * (1.0 - ans)"}, broadcasts=True)
