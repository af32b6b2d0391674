"""`trace_table(f, *args)`: the lecture's two tables for any function in the subset.

The forward primal trace z1..zT with values, each node annotated with its type in the
lecture's computation model (affine / product of powers / elementary function / array
primitive), then the reverse adjoint trace with each contribution and the adjoint's
value after it, then operation counts (statements, and flops for arrays).

How: s2s_ad compiles the explicit (lean=False) gradient, which has one statement per
primitive and one per adjoint contribution. This module rewrites that generated
function so every assignment reports its value, and runs it once on the arguments.
Each executed assignment is one row, so loops come out unrolled and branches show the
path taken. Nothing here differentiates: the values are the compiled gradient's own.

For display only, a compiler temporary that scales one variable by a constant
(`z1_2 = TWO_PI * z1`) and is used once is folded into its single use, together with
its adjoint, as the lecture does (`z2 = sin(2*pi*z1)` is one node). The values are
those of the unfolded code.
"""
import ast
import re
import types
from dataclasses import dataclass, field

import numpy as np

from .compiler import GradientCompiler

# Calls the computation model counts as type 3: one-dimensional functions applied
# to a number (or elementwise to an array).
ELEMENTARY = {
    "sin", "cos", "tan", "exp", "expm1", "exp2", "log", "log1p", "log2", "log10", "sqrt",
    "cbrt", "tanh", "sinh", "cosh", "arcsin", "arccos", "arctan", "arcsinh", "arccosh",
    "arctanh", "asin", "acos", "atan", "asinh", "acosh", "atanh", "abs", "fabs", "absolute",
    "erf", "erfc", "expit", "square", "reciprocal", "sign", "maximum", "minimum", "clip",
    "where", "power", "logaddexp", "hypot", "atan2", "arctan2", "max", "min",
}
# Numpy calls that reduce their first argument (cost: its size).
REDUCTIONS = {"sum", "mean", "prod", "dot", "vdot", "inner", "max", "min", "amax", "amin",
              "logsumexp", "norm", "trace", "cumsum", "cumprod"}
# Numpy calls that only move or create values (no flops).
SHAPE_ONLY = {"reshape", "expand_dims", "transpose", "full", "zeros", "ones", "zeros_like",
              "ones_like", "full_like", "asarray", "array", "broadcast_to", "squeeze",
              "ravel", "copy", "stack", "concatenate", "swapaxes", "moveaxis", "flip",
              "empty", "empty_like", "atleast_1d", "atleast_2d", "float"}
TAPE_NAMES = ("tape", "tape_push", "tape_pop")
TAPE_NAME = re.compile(r"(tape(_push|_pop)?|trips)(_\d+)?")
# Arrays with more elements than this are shown as shape and summary statistics.
SHOW_ELEMENTS = 6
# Rows shown per table before the middle is elided (the counts cover every row).
SHOW_ROWS = 120


@dataclass
class Row:
    text: str           # the statement, as the generated code (folded) reads
    name: str           # the variable it assigns
    value: object
    kind: str = ""      # forward rows: the computation-model type
    contribution: object = None     # reverse rows: what this statement added
    flops: int = 0
    accumulates: bool = False   # reverse rows: adds to an adjoint that has a value
    t: int = 0          # forward rows: the node's number z_t


@dataclass
class TraceTable:
    function: str
    inputs: list                     # (name, value)
    forward: list                    # Row, one per executed node
    output: tuple                    # (name, value)
    reverse: list                    # Row, one per executed adjoint statement
    gradient: dict                   # input name -> its adjoint
    source: str                      # the explicit generated code the rows come from
    counts: dict = field(default_factory=dict)

    def __str__(self):
        lines = [f"Forward primal trace of {self.function} (T = {len(self.forward)} nodes; "
                 "t numbers them in the order they run)"]
        width = max([len(r.text) for r in self.forward + self.reverse] + [10]) + 4
        for name, value in self.inputs:
            lines.append(f"  {'':>4} {name:<{width}} = {_fmt(value):<12} input")
        lines += _elide([f"  {r.t:>4} {r.text:<{width}} = {_fmt(r.value):<12} {r.kind}"
                         for r in self.forward])
        name, value = self.output
        taken = {n for n, _ in self.inputs} | {r.name.split("_")[0] for r in self.forward}
        y = "f" if "y" in taken else "y"
        lines.append(f"  {'':>4} {y + ' = ' + name:<{width}} = {_fmt(value):<12} output")
        lines.append("")
        lines.append(f"Reverse adjoint trace ({len(self.reverse)} statements: each adds one "
                     "contribution; the value is the adjoint after it)")
        lines += _elide([f"  {r.text:<{width + 5}} = {_fmt(r.value):<12} "
                         + (f"(adds {_fmt(r.contribution)})" if r.accumulates else "")
                         for r in self.reverse])
        lines.append("")
        grads = ", ".join(f"{n}_bar = {_fmt(v)}" for n, v in self.gradient.items())
        lines.append(f"Gradient: {grads}")
        c = self.counts
        lines.append(f"Operations: forward {c['forward_statements']} statements "
                     f"({c['forward_flops']} flops), reverse {c['reverse_statements']} "
                     f"statements ({c['reverse_flops']} flops); reverse/forward = "
                     f"{c['reverse_flops'] / max(c['forward_flops'], 1):.2f} in flops")
        kinds = ", ".join(f"{k}: {n}" for k, n in c["by_type"].items())
        lines.append(f"Nodes by type: {kinds}")
        return "\n".join(line.rstrip() for line in lines) + "\n"

    __repr__ = __str__


def trace_table(f, *args, argnums=None, lean=False):
    """The lecture's forward and reverse trace tables of `f` at `args`.

    `argnums` (default: every argument that is a float or a float array) chooses the
    inputs the reverse table differentiates with respect to. `lean=True` traces the
    lean code s2s_ad runs (adjoint sums folded together) instead of the explicit one
    (one statement per contribution, as the lecture writes it)."""
    if argnums is None:
        argnums = tuple(i for i, a in enumerate(args) if _is_float(a))
        if not argnums:
            raise ValueError("trace_table: no float argument to differentiate; pass "
                             "floats (2.0, not 2) or argnums=")
    argnums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    compiled = GradientCompiler(f, argnums, with_value=True).compile(args, lean=lean)
    tree = ast.parse(compiled.source).body[0]
    params = [a.arg for a in tree.args.args]
    split = _reverse_line(compiled.source)
    recorder = _Recorder(compiled.function.__globals__, params)
    recorder.prepare(tree, split)
    out_value, grads = recorder.run(tree, args)
    out_name = _output_name(tree)
    wrt = [params[i] for i in argnums]
    table = TraceTable(
        function=f.__name__,
        inputs=list(zip(params, args)),
        forward=recorder.forward, output=(out_name, out_value), reverse=recorder.reverse,
        gradient=dict(zip(wrt, grads)), source=compiled.source)
    table.counts = _counts(table)
    return table


# ---- running the generated code, one row per executed assignment -----------------

class _Recorder:
    def __init__(self, namespace, params):
        self.namespace = namespace
        self.params = set(params)
        self.statements = {}        # number -> (stmt, is_reverse, display text)
        self.forward, self.reverse = [], []
        self.last = {}              # name -> value before the current assignment
        self.control_values = 0

    def prepare(self, tree, split):
        """Number the assignments, decide which are shown and how they read."""
        assigns = [s for s in ast.walk(tree) if isinstance(s, ast.Assign)
                   and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name)]
        self.local_names = self.params | {s.targets[0].id for s in assigns} \
            | {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
               and isinstance(n.ctx, ast.Store)}
        folded = _foldable(tree, assigns, split, self._is_const)
        shown_kinds = (ast.Assign, ast.AugAssign)
        writes = [s for s in ast.walk(tree) if isinstance(s, shown_kinds)
                  and len(getattr(s, "targets", [None])) == 1
                  and isinstance(_target(s), (ast.Name, ast.Subscript))]
        for number, stmt in enumerate(writes):
            target = ast.unparse(_target(stmt))
            reverse = split is not None and stmt.lineno > split
            if target in folded or _is_plumbing(stmt) or \
                    (not reverse and isinstance(stmt, ast.Assign)
                     and isinstance(stmt.targets[0], ast.Name)
                     and isinstance(stmt.value, ast.Name)):
                continue        # folded, tape plumbing, or a renaming copy
            rhs = ast.unparse(_substitute(stmt.value, folded))
            op = "" if isinstance(stmt, ast.Assign) else _OPS.get(type(stmt.op), "?")
            self.statements[number] = (stmt, reverse, f"{target} {op}= {rhs}")
            stmt.s2s_row = number

    def run(self, tree, args):
        tree = _Instrument().visit(tree)
        tree.name = "_traced"
        tree.returns = None
        namespace = dict(self.namespace)
        namespace["_s2s_row"] = self.row
        exec(compile(ast.fix_missing_locations(ast.Module([tree], [])), "<trace_table>",
                     "exec"), namespace)
        value, grads = namespace["_traced"](*args)
        return value, grads

    def row(self, number, value, scope):
        stmt, reverse, text = self.statements[number]
        target = ast.unparse(_target(stmt))
        value = _snapshot(value)
        flops = _flops(stmt.value, scope, self.namespace)
        if isinstance(stmt, ast.AugAssign):         # x_bar[i] += c: flops of the add too
            flops += int(np.size(value))
        if reverse:
            accumulates = isinstance(stmt, ast.AugAssign) or (
                target in _loaded(stmt.value) and target in self.last)
            if isinstance(stmt, ast.AugAssign):
                added = _snapshot(scope.get(stmt.value.id)) \
                    if isinstance(stmt.value, ast.Name) else None
            else:
                added = _difference(value, self.last[target]) if accumulates else value
            self.reverse.append(Row(text, target, value, contribution=added, flops=flops,
                                    accumulates=accumulates))
        elif isinstance(value, (bool, int, np.bool_, np.integer, list, tuple, dict)):
            self.control_values += 1    # loop counters, tests, containers: not nodes
        else:
            kind = _kind(stmt.value, value, self._is_const)
            self.forward.append(Row(text, target, value, kind=kind, flops=flops,
                                    t=len(self.forward) + 1))
        self.last[target] = value

    def _is_const(self, node, folded_constants=()):
        """A number the table treats as a coefficient: literals, globals (math.pi,
        TWO_PI) and arithmetic on them."""
        if isinstance(node, ast.Constant):
            return isinstance(node.value, (int, float))
        if isinstance(node, ast.Name):
            return node.id in folded_constants or (
                node.id not in self.local_names and
                isinstance(self.namespace.get(node.id), (int, float)))
        if isinstance(node, ast.Attribute):
            return isinstance(node.value, ast.Name) and node.value.id not in self.local_names \
                and isinstance(getattr(self.namespace.get(node.value.id), node.attr, None),
                               (int, float))
        if isinstance(node, ast.UnaryOp):
            return self._is_const(node.operand, folded_constants)
        if isinstance(node, ast.BinOp):
            return self._is_const(node.left, folded_constants) and \
                self._is_const(node.right, folded_constants)
        return False


class _Instrument(ast.NodeTransformer):
    """After each shown assignment: _s2s_row(number, target, locals())."""

    def generic_visit(self, node):
        super().generic_visit(node)
        for name in ("body", "orelse"):
            block = getattr(node, name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                setattr(node, name, [s for stmt in block for s in self._with_row(stmt)])
        return node

    @staticmethod
    def _with_row(stmt):
        if not hasattr(stmt, "s2s_row"):
            return [stmt]
        target = ast.unparse(_target(stmt))
        call = ast.parse(f"_s2s_row({stmt.s2s_row}, {target}, locals())").body[0]
        return [stmt, call]


def _target(stmt):
    return stmt.targets[0] if isinstance(stmt, ast.Assign) else stmt.target


_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


def _reverse_line(source):
    """The line of the generated code's `# reverse sweep` comment."""
    for number, line in enumerate(source.splitlines(), 1):
        if line.strip() == "# reverse sweep":
            return number
    return None


def _output_name(tree):
    ret = tree.body[-1]
    if isinstance(ret, ast.Return) and isinstance(ret.value, ast.Tuple):
        return ast.unparse(ret.value.elts[0])
    return "value"


def _is_plumbing(stmt):
    """The tape's own statements: `tape = []`, `tape_push = tape.append`, `z = tape_pop()`."""
    return any(isinstance(n, ast.Name) and TAPE_NAME.fullmatch(n.id) for n in ast.walk(stmt))


def _foldable(tree, assigns, split, is_const):
    """name -> expression for the temporaries folded into their single use (see the
    module docstring), and for their adjoints."""
    stores, loads = {}, {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            counter = stores if isinstance(node.ctx, ast.Store) else loads
            counter[node.id] = counter.get(node.id, 0) + 1
    defs = {s.targets[0].id: s for s in assigns}
    outputs = set(_loaded(tree.body[-1])) if isinstance(tree.body[-1], ast.Return) else set()
    folded, constants = {}, set()
    for stmt in assigns:
        if split is not None and stmt.lineno > split:
            break
        name, value = stmt.targets[0].id, stmt.value
        if stores.get(name) != 1 or loads.get(name, 0) < 1 or name in outputs:
            continue
        if is_const(value, constants):
            constants.add(name)
            folded[name] = value
            continue
        if not _scales_one_variable(value, lambda n: is_const(n, constants)):
            continue
        adjoint = name + "_bar"
        if adjoint in stores and (stores[adjoint] != 1 or loads.get(adjoint) != 1):
            continue
        if loads.get(name, 0) - _loads_after(tree, name, split) != 1:
            continue        # used more than once in the forward sweep
        folded[name] = value
        if adjoint in defs:
            folded[adjoint] = defs[adjoint].value
    return folded


def _scales_one_variable(value, is_const):
    if not isinstance(value, ast.BinOp) or not isinstance(value.op, (ast.Mult, ast.Div)):
        return False
    left, right = is_const(value.left), is_const(value.right)
    if isinstance(value.op, ast.Div):
        return right and isinstance(value.left, ast.Name)
    return (left and isinstance(value.right, ast.Name)) or \
        (right and isinstance(value.left, ast.Name))


def _loads_after(tree, name, split):
    if split is None:
        return 0
    return sum(1 for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == name
               and isinstance(n.ctx, ast.Load) and n.lineno > split)


def _substitute(node, folded):
    """The expression with folded names replaced by what they stand for (recursively)."""
    class Replace(ast.NodeTransformer):
        def visit_Name(self, name):
            if isinstance(name.ctx, ast.Load) and name.id in folded:
                return self.visit(_copy(folded[name.id]))
            return name
    return Replace().visit(_copy(node))


def _copy(node):
    return ast.parse(ast.unparse(node), mode="eval").body


def _loaded(node):
    return [n.id for n in ast.walk(node) if isinstance(n, ast.Name) and
            isinstance(n.ctx, ast.Load)]


# ---- the computation model's types -------------------------------------------------

def _call_name(node):
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _kind(expr, value, is_const):
    """The statement's type; an explicit statement that nests a second primitive
    (`s_3 = s_2 + math.sin(z1)`) names both, outer first. Constant scalings inside
    are part of the affine map and not named."""
    kinds = [_scalar_kind(expr, is_const)]
    for node in ast.walk(expr):
        if node is expr or not isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Call)) or \
                is_const(node) or _scales_one_variable(node, is_const):
            continue
        inner = _scalar_kind(node, is_const)
        if inner not in kinds:
            kinds.append(inner)
    kind = " of ".join(kinds)
    size = np.size(value) if isinstance(value, np.ndarray) else 1
    if size > 1 and kind != "array primitive":
        kind += f" (elementwise, {size} values)"
    return kind


def _scalar_kind(expr, is_const):
    if is_const(expr):
        return "constant"
    if isinstance(expr, ast.UnaryOp):
        return "affine" if isinstance(expr.op, (ast.USub, ast.UAdd)) else "comparison"
    if isinstance(expr, ast.BinOp):
        op = expr.op
        if isinstance(op, (ast.Add, ast.Sub)):
            return "affine"
        if isinstance(op, ast.Mult):
            return "affine" if is_const(expr.left) or is_const(expr.right) \
                else "product of powers"
        if isinstance(op, ast.Div):
            return "affine" if is_const(expr.right) else "product of powers"
        if isinstance(op, ast.Pow):
            return "elementary function" if is_const(expr.left) else "product of powers"
        if isinstance(op, ast.MatMult):
            return "array primitive"
        return "other primitive"
    if isinstance(expr, ast.Call):
        name = _call_name(expr)
        if name in ELEMENTARY and name not in ("max", "min") or \
                name in ("max", "min") and len(expr.args) > 1:
            return "elementary function"
        return "array primitive"
    if isinstance(expr, (ast.Subscript, ast.List, ast.Tuple)):
        return "array primitive"
    if isinstance(expr, ast.Name):
        return "affine"
    if isinstance(expr, (ast.Compare, ast.BoolOp)):
        return "comparison"
    return "other primitive"


# ---- operation counts ----------------------------------------------------------------

def _flops(expr, scope, namespace):
    """Floating-point operations of one executed statement: each arithmetic operation
    or elementary call costs the size of what it produces, a reduction the size of
    its input, a matrix product 2·m·k·n, moving values nothing. Operand shapes come
    from the values in scope (pure subexpressions are re-evaluated to get theirs)."""
    env = {**namespace, **scope}
    # Only calls of module functions (np.exp, math.sin) are re-evaluated: a method
    # call such as `out_bar.pop()` has effects.
    pure = all(not isinstance(n, ast.Call) or (
        isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Name)
        and isinstance(env.get(n.func.value.id), types.ModuleType)) for n in ast.walk(expr))
    result_size = None

    def size(node):
        nonlocal result_size
        if isinstance(node, ast.Constant):
            return ()
        if isinstance(node, ast.Name):
            return np.shape(env.get(node.id, 0.0)) if not callable(env.get(node.id)) else ()
        if pure:
            try:
                return np.shape(eval(compile(ast.Expression(node), "<flops>", "eval"), env))
            except Exception:
                pass
        return ()

    total = 0
    for node in ast.walk(expr):
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.MatMult):
                a, b = size(node.left), size(node.right)
                inner = a[-1] if a else 1
                total += 2 * int(np.prod(a)) * int(np.prod(b)) // max(inner, 1)
            else:
                total += int(np.prod(size(node)))
        elif isinstance(node, ast.UnaryOp):
            total += int(np.prod(size(node)))
        elif isinstance(node, ast.Call):
            name = _call_name(node)
            if name in SHAPE_ONLY or name.startswith(TAPE_NAMES):
                continue
            if name in REDUCTIONS and node.args:
                total += max(int(np.prod(size(node.args[0]))), 1)
            else:
                total += int(np.prod(size(node)))
    return total


def _counts(table):
    by_type = {}
    for r in table.forward:
        base = r.kind.split(" (")[0]
        by_type[base] = by_type.get(base, 0) + 1
    return {"forward_statements": len(table.forward),
            "reverse_statements": len(table.reverse),
            "forward_flops": sum(r.flops for r in table.forward),
            "reverse_flops": sum(r.flops for r in table.reverse),
            "by_type": by_type}


# ---- values ----------------------------------------------------------------------------

def _is_float(a):
    if isinstance(a, float):
        return True
    return isinstance(a, np.ndarray) and np.issubdtype(a.dtype, np.inexact)


def _snapshot(value):
    """A copy of arrays and lists: generated code updates some in place later."""
    if isinstance(value, np.ndarray):
        return np.array(value)
    return list(value) if isinstance(value, list) else value


def _difference(new, old):
    try:
        return new - old
    except TypeError:
        return new


def _fmt(value):
    if value is None:
        return ""
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(())[()]
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, float, np.integer, np.floating)):
        return f"{value:.4f}" if isinstance(value, (float, np.floating)) else str(value)
    if isinstance(value, np.ndarray):
        if value.size <= SHOW_ELEMENTS:
            return np.array2string(value, precision=4, separator=", ").replace("\n", "")
        return (f"array{value.shape} mean {value.mean():.4g} "
                f"in [{value.min():.4g}, {value.max():.4g}]")
    if isinstance(value, (list, tuple)):
        return f"{type(value).__name__} of {len(value)}"
    return repr(value)[:40]


def _elide(lines):
    if len(lines) <= SHOW_ROWS:
        return lines
    half = SHOW_ROWS // 2
    return lines[:half] + [f"  ... {len(lines) - 2 * half} rows not shown ..."] + lines[-half:]
