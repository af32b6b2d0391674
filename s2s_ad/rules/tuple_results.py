"""Primitives whose result is a tuple (np.linalg.eigh, slogdet, qr, svd, lstsq).

The lowering keeps a tuple of computed values as a compile-time `ast.Tuple` of
operands (lower_values.py), so a call `w, v = np.linalg.eigh(a)` becomes

    z1 = np.linalg.eigh(a)      # the whole result: the "whole" rule, zero_grad
    z2 = z1[0]                  # part 0: rule 'numpy.linalg.eigh[0]'(whole=z1, a, UPLO)
    z3 = z1[1]                  # part 1: rule 'numpy.linalg.eigh[1]'(whole=z1, a, UPLO)

and the call's value is the tuple (z2, z3). The whole result carries no derivative
(nothing but its parts reads it); each part is a rule of the call's own arguments, with
`whole` a discrete parameter its templates may read (eigh's vectors need the values
too). Since an adjoint is linear in the result's adjoint, the gradient reaching `a`
through both parts is the sum of the parts' contributions, which is what the reverse
sweep adds up. The factorisation runs once; a part nobody reads is dead code.

A part's result is the very object inside the tuple, so aliasing.py treats it as a view
of the whole (`picks_part`): an in-place change of `w` is seen by templates reading
`whole[0]`.
"""
import ast

from . import Rule, _OPERATORS, _signature

PART = "part"       # the key of part rules in the operator table (walked by the tests)


def deftuple(registered, whole, parts):
    """Give the rule `registered` (the one rule_for_call finds) a tuple form: `parts` is
    a function of the call's static arguments returning the list of part rules (or, for
    a part that is a constant such as cho_factor's flag, a function of the static
    arguments giving its value), or None
    when this call returns a single value (np.linalg.svd(a, compute_uv=False)), which
    `registered` then differentiates itself. `whole` is the zero_grad rule of the tuple
    itself (it may be `registered`)."""
    registered.tuple_parts = (whole, parts)
    if whole is not registered:
        _OPERATORS[(PART, whole.name)] = whole


def whole_rule(name, spec, checks=None):
    return Rule(name, _signature(spec), {}, zero_grad=True, checks=checks)


def part_rule(name, index, spec, *, discrete=(), tangent=None, **adjoints):
    """The rule of part `index` of a tuple result: spelled `whole[index]`; its
    parameters are `whole` and the call's own."""
    def spelling(call_args, index=index):
        return ast.Subscript(call_args[0], ast.Constant(index), ast.Load())
    rule = Rule(f"{name}[{index}]", _signature(f"whole, {spec}"), adjoints,
                spelling=spelling, discrete=frozenset(("whole",) + tuple(discrete)),
                tangent=dict(tangent or {}))
    rule.picks_part = True
    _OPERATORS[(PART, rule.name)] = rule
    return rule


def zero_part(name, index, spec):
    """A piecewise constant part (slogdet's sign, lstsq's rank)."""
    rule = part_rule(name, index, spec)
    rule.zero_grad = True
    return rule


def lower_tuple_call(lowerer, rule, bound, node, args, keywords, callee):
    """Emit the whole call and its parts; the compile-time tuple of the parts, or None
    for a call of this primitive that returns one value."""
    from ..trace import static_value
    whole, parts_of = rule.tuple_parts
    statics = {}
    for param, operand in bound.items():
        try:
            statics[param] = static_value(operand, lowerer.parsed)
        except LookupError:
            pass
    parts = parts_of(statics)
    if parts is None:
        return None
    name = lowerer.emit(None, whole, bound, node, call_args=args, call_keywords=keywords,
                        callee=callee)
    if whole.checks is not None:        # refused as written, before the parts
        from . import _check_call
        _check_call(whole, lowerer.body[-1])
    values = [lowerer.emit(None, part, {"whole": name, **bound}, node, call_args=[name])
              if isinstance(part, Rule) else ast.Constant(part(statics)) for part in parts]
    return ast.Tuple(values, ast.Load())
