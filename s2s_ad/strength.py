"""Small integer powers written as products where that is exact enough: `x ** 2` ->
`x * x` (a multiplication costs less than a call of pow).

Measured on CPython 3.11 / glibc 2.36 / NumPy 2.4 over four million doubles (random bit
patterns: subnormals, huge values; tests/test_strength.py repeats smaller runs):

- a Python float's `x ** 2` calls the C library's pow, which is not correctly rounded:
  it was 1 ulp away from `x * x` (the correctly rounded square) for about 1 value in
  4,600 (pow's error reached 0.5025 ulp), and it raises OverflowError where `x * x` is
  inf. NumPy float64 scalars use pow too. So the FORWARD sweep, whose values must be
  f's bit for bit, keeps `x ** 2` for numbers and NumPy scalars;
- an ndarray's `x ** 2` is np.square(x), which is `x * x` in every bit: the forward
  sweep writes `x * x` for float arrays that are not 0-d (NumPy returns scalars for
  0-d results, so shape () is left alone);
- in the REVERSE sweep (`3 * x ** 2` from the adjoint of x ** 3) values need not be
  bit for bit the old ones: `x * x` is correctly rounded (never worse than pow), and
  `x * x * x` is within 1.27 ulp of the exact cube (two roundings; pow: 0.5025), so
  each term is within 1 ulp of what `** n` gave, wherever the result is a normal
  number (in the subnormal range both lose bits to gradual underflow and may differ
  by a few units of the smallest subnormal). Ints are exact either way. Booleans are
  left alone (NumPy's bool ** 2 is an integer array, bool * bool a boolean one).

Only a power of a plain name is rewritten: the name is read twice instead of once,
which costs nothing; an expression would be evaluated twice.
"""
import ast

import numpy as np


def reduce_powers(forward, reverse, kinds):
    """Rewrite, in place, the powers in `forward` and `reverse` (statement lists) that
    the rules above allow, given each name's kind (probe.observe; no kinds: nothing)."""
    if not kinds:
        return
    in_forward = _rewrite(forward, {2: lambda name: _array(kinds.get(name))}, frozenset())
    # A node the forward sweep shares is never changed from the reverse side.
    _rewrite(reverse, {2: lambda name: _number_or_array(kinds.get(name)),
                       3: lambda name: _number_or_array(kinds.get(name))}, in_forward)


def _array(kind):
    """A float ndarray of at least one dimension, whose ** 2 is np.square."""
    return (kind is not None and kind.is_array and kind.array_type is np.ndarray
            and kind.shape is not None and kind.shape != ()
            and kind.dtype is not None and np.issubdtype(kind.dtype, np.floating))


def _number_or_array(kind):
    if kind is None:
        return False
    if kind.pytype in (float, int):
        return True
    return (kind.is_array and kind.array_type is np.ndarray and kind.dtype is not None
            and np.issubdtype(kind.dtype, np.floating))


def _rewrite(statements, allowed, frozen):
    """Replace each `name ** n` (n in `allowed`, its test passing for the name) by the
    product, unless its parent's id is in `frozen`; return the ids of the nodes left
    in place (all but the replaced powers and leaves). Iterative: expressions may be
    deep."""
    visited = set()
    stack = list(statements)
    while stack:
        parent = stack.pop()
        visited.add(id(parent))
        rewritable = id(parent) not in frozen
        for field in parent._fields:
            value = getattr(parent, field, None)
            if type(value) is list:
                for k, item in enumerate(value):
                    if type(item) in _LEAVES or not isinstance(item, ast.AST):
                        continue
                    replaced = _product(item, allowed) if rewritable else None
                    if replaced is not None:
                        value[k] = replaced
                    else:
                        stack.append(item)
            elif isinstance(value, ast.AST) and type(value) not in _LEAVES:
                replaced = _product(value, allowed) if rewritable else None
                if replaced is not None:
                    setattr(parent, field, replaced)
                else:
                    stack.append(value)
    return visited


# Nodes with no power inside: a name, a constant, a context or an operator.
_LEAVES = frozenset({ast.Name, ast.Constant, ast.Load, ast.Store, ast.Del} | {
    cls for cls in vars(ast).values() if isinstance(cls, type)
    and issubclass(cls, (ast.operator, ast.unaryop, ast.cmpop, ast.boolop))})


def _product(node, allowed):
    """`x * x` (or `x * x * x`) for `x ** 2` (`x ** 3`) when allowed, else None."""
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow)
            and isinstance(node.left, ast.Name) and isinstance(node.right, ast.Constant)
            and type(node.right.value) is int and node.right.value in allowed
            and allowed[node.right.value](node.left.id)):
        return None
    name = node.left.id
    product = ast.Name(name, ast.Load())
    for _ in range(node.right.value - 1):
        product = ast.BinOp(product, ast.Mult(), ast.Name(name, ast.Load()))
    return ast.copy_location(product, node)
