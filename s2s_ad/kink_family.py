"""What every kink family has (kink_table.py describes the families): the base class,
the refusal the Clarke mode raises, and helpers for numbers and arrays alike."""
import ast
import dataclasses
import inspect

import numpy as np


class ClarkeUnsupported(Exception):
    """A kink of a primitive whose pieces the Clarke mode cannot select (yet)."""


def _any(mask):
    return bool(np.any(mask))


def _is_scalar(value):
    return not isinstance(value, np.ndarray)


def _same_kind(value, like):
    """`value` (a bool or a bool array) as the type `like` has."""
    if isinstance(like, np.ndarray):
        return np.asarray(value, dtype=bool)
    if isinstance(like, np.bool_):
        return np.bool_(value)
    return bool(value)


def _where(cond, a, b, scalar):
    if scalar:
        return a if cond else b
    return np.where(cond, a, b)


def _scalar_result(value, *operands):
    """float(value) when no operand is an array (the primitive's result is a number)."""
    if any(isinstance(o, np.ndarray) for o in operands):
        return value
    return float(value)


class _Family:
    name = None
    params = ()
    checks_only = False     # the Clarke mode only checks for ties (and refuses them):
                            # the tangent sweep keeps the primitive's own tangent

    def label(self, rule):
        """The primitive as the report names it."""
        return rule.name

    def tie_pairs(self, site):
        """[(parameter, other parameter or a constant)]: the site is on a kink where
        any of these pairs is equal (the cheap inline test), or None: use `ties`."""
        return None

    def evaluate(self, site, vals):
        """The primitive's value (its kind, for the selection's) on these operands."""
        raise NotImplementedError

    def ties(self, site, ans, vals):
        raise NotImplementedError

    def selected_rule(self, rule):
        return None

    # The Clarke mode's inline code for a site on numbers (kink_sweep.py, clarke.py):
    # off a tie the piece is the one the values select, written in place rather than
    # asked of a Python helper per evaluation. Templates name the parameters (x, y) and
    # their tangents (x_dot, y_dot); None: the helper is called at every evaluation.
    inline_tangent = None           # the result's tangent along the piece off a tie
    inline_selection = None         # `sel` off a tie, as `select` would record it
    inline_array_tangent = None     # ... for a site on arrays (np: NumPy)
    inline_array_selection = None


def _with_selection(rule, adjoints):
    """`rule` with a keyword `sel` (never differentiated) and adjoints that read it."""
    params = list(rule.signature.parameters.values())
    params.append(inspect.Parameter("sel", inspect.Parameter.KEYWORD_ONLY, default=None))
    return dataclasses.replace(rule, name=f"{rule.name} (Clarke piece)",
                               signature=rule.signature.replace(parameters=params),
                               adjoints=adjoints, discrete=rule.discrete | {"sel"},
                               tangent={}, linear=(), checks=None)


def fill(template, nodes):
    """The expression `template` with each name in `nodes` replaced by (a copy of) its
    AST: fill("x_dot if x > y else y_dot", {...})."""
    from .walk import copy_tree

    class Fill(ast.NodeTransformer):
        def visit_Name(self, node):
            return copy_tree(nodes[node.id]) if node.id in nodes else node
    return Fill().visit(ast.parse(template, mode="eval").body)
