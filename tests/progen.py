"""Random programs in the shapes users write, as module source text.

Each family below writes one kind of code that has hidden wrong gradients before:
nested loops using both indices, row/column/slice writes that read their own buffer,
aliases and views followed by in-place operators, helpers with loops and unusual
defaults, globals rebound between calls, and decorated functions. A program is a whole
module (helpers and decorators live beside `f`), so it can be imported from a file for
s2s_ad (which reads the source) and exec'd again with `np`/`math` bound to autograd or
to the scalar tape for the exact references (tests/judge.py).

Values are kept finite by construction: `exp` only of bounded arguments, `log` of
`1 + u**2` or `2 + cos(u)`, division by `1.5 + cos(u)` or `1 + u**2`.

Run many programs and print a table per family:

    python tests/progen.py --n 2000 --family all
    python tests/progen.py --show 2000017          # one program's source and verdict
"""
import argparse
import os
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

if __name__ == "__main__":                  # run as a script: make `tests` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

HEADER = "import functools\nimport math\n\nimport numpy as np\n\n\n"

FAMILIES = ["scalar", "loops", "arrays", "writes", "aliases", "helpers", "globals",
            "decorated"]


@dataclass
class Program:
    family: str
    seed: int
    body: str                   # the module after HEADER: helpers, decorators, f
    params: list                # [(name, shape)], shape () for a Python float
    writes: bool = False        # element writes or in-place array operators: no autograd
    rebind: str = ""            # run in the module between the first and second call
    notes: list = field(default_factory=list)

    @property
    def source(self):
        return HEADER + self.body


# --- expressions --------------------------------------------------------------------

S_UNARY = ["math.sin({0})", "math.cos({0})", "math.tanh({0})", "math.exp(math.sin({0}))",
           "math.exp(math.tanh({0}))", "math.log(1.0 + ({0}) ** 2)",
           "math.log(2.0 + math.cos({0}))", "({0}) ** 2", "({0}) ** 3", "-({0})",
           "math.sqrt(1.0 + ({0}) * ({0}))"]
S_BINARY = ["({0}) + ({1})", "({0}) - ({1})", "({0}) * ({1})",
            "({0}) / (1.5 + math.cos({1}))", "({0}) / (1.0 + ({1}) ** 2)"]
S_KINK = ["abs({0})", "max({0}, {1})", "min({0}, {1})"]

A_UNARY = ["np.sin({0})", "np.cos({0})", "np.tanh({0})", "np.exp(np.sin({0}))",
           "np.log(1.0 + ({0}) ** 2)", "({0}) ** 2", "-({0})", "np.sqrt(1.0 + ({0}) * ({0}))"]
A_BINARY = ["({0}) + ({1})", "({0}) - ({1})", "({0}) * ({1})", "({0}) / (1.5 + np.cos({1}))"]


class Exprs:
    """Expression text over the names in scope. Array shapes are symbolic: 'n', 'm'
    (vectors), 'nm' (matrices) and '' (scalars); `x` is (n,) and `W` is (n, m)."""

    def __init__(self, r, n, m):
        self.r, self.n, self.m = r, n, m

    def const(self, low=-1.5, high=1.5):
        return repr(round(self.r.uniform(low, high), 2))

    def scalar(self, names, depth=2, kinks=True):
        r = self.r
        if depth <= 0 or r.random() < 0.25:
            return r.choice(names) if names and r.random() < 0.8 else self.const()
        sub = lambda: self.scalar(names, depth - 1, kinks)      # noqa: E731
        roll = r.random()
        if roll < 0.45:
            return r.choice(S_UNARY).format(sub())
        if roll < 0.95 or not kinks:
            return r.choice(S_BINARY).format(sub(), sub())
        a, b = sub(), sub()
        if a == b:                  # max(x, x) would sit on its kink everywhere
            return f"abs({a})"
        return r.choice(S_KINK).format(a, b)

    def array(self, names, shape, depth=2):
        """An expression of `shape` ('', 'n', 'm', 'nm') over `names` {shape: [names]}."""
        r, n, m = self.r, self.n, self.m
        leaves = list(names.get(shape, []))
        if shape == "m":
            leaves.append(f"W[{r.randrange(n)}]")
        if depth <= 0 or r.random() < 0.2:
            if shape == "":
                return self.scalar(names.get("", []), 0)
            return r.choice(leaves)
        sub = lambda s: self.array(names, s, depth - 1)         # noqa: E731
        roll = r.random()
        if roll < 0.3:
            return r.choice(A_UNARY if shape else S_UNARY).format(sub(shape))
        if roll < 0.6:
            other = shape if r.random() < 0.6 else ""
            return r.choice(A_BINARY if shape else S_BINARY).format(sub(shape), sub(other))
        forms = {
            "": [lambda: f"np.sum({sub('nm')})", lambda: f"np.mean({sub('n')})",
                 lambda: f"np.dot({sub('m')}, {sub('m')})",
                 lambda: f"({sub('n')})[{r.randrange(n)}]",
                 lambda: f"({sub('n')}) @ ({sub('n')})"],
            "n": [lambda: f"W @ ({sub('m')})", lambda: f"np.sum({sub('nm')}, axis=1)",
                  lambda: f"({sub('nm')})[:, {r.randrange(m)}]"],
            "m": [lambda: f"({sub('n')}) @ W", lambda: f"np.mean({sub('nm')}, axis=0)",
                  lambda: f"({sub('nm')})[{r.randrange(n)}]"],
            "nm": [lambda: f"np.outer({sub('n')}, {sub('m')})",
                   lambda: f"({sub('nm')}) * ({sub('m')})",
                   lambda: f"({sub('nm')}) * ({sub('n')})[:, None]"],
        }[shape]
        return r.choice(forms)()

    def condition(self, names, depth=1):
        """A test on active values; the judge resamples inputs that land near its tie."""
        return f"{self.scalar(names, depth, kinks=False)} > {self.const(-0.5, 0.5)}"


def indent(lines, level=1):
    return ["    " * level + line for line in lines]


def function(name, params, lines, decorator=None):
    head = [f"@{decorator}"] if decorator else []
    return "\n".join(head + [f"def {name}({', '.join(params)}):"] + indent(lines)) + "\n"


# --- families -----------------------------------------------------------------------

def gen_scalar(r, e):
    names = ["x", "y"]
    lines = []
    for k in range(r.randint(1, 5)):
        kind = r.choice(["assign", "reassign", "augmented", "power", "branch", "ifexp"])
        target = r.choice(names) if kind in ("reassign", "augmented", "power") else f"t{k}"
        if kind in ("assign", "reassign"):
            lines.append(f"{target} = {e.scalar(names, 3)}")
        elif kind == "augmented":
            op, rhs = r.choice([("+=", e.scalar(names)), ("-=", e.scalar(names)),
                                ("*=", e.scalar(names, 1)),
                                ("/=", f"1.5 + math.cos({e.scalar(names)})")])
            lines.append(f"{target} {op} {rhs}")
        elif kind == "power":
            lines.append(f"{target} = math.tanh({target}) ** {r.choice([2, 3, 4])}")
        elif kind == "branch":
            lines += [f"if {e.condition(names)}:", f"    {target} = {e.scalar(names)}",
                      "else:", f"    {target} = {e.scalar(names)}"]
        else:
            lines.append(f"{target} = ({e.scalar(names)}) if {e.condition(names)} "
                         f"else ({e.scalar(names)})")
        if target not in names:
            names.append(target)
    lines.append(f"return {e.scalar(names, 3)}")
    return function("f", ["x", "y"], lines), [("x", ()), ("y", ())]


INNER = ["s = math.sin(s) + x * j", "s = s + w[i, j] * w[j, i]", "a = a * a",
         "s = s + math.tanh(a * i - s * j)", "s = s * math.cos(w[j, i] * a) + y",
         "a = math.tanh(a + w[i, j] * s)", "s = s + x ** 2 * w[i, i] - j * a",
         "t = s * w[i, j]\ns = t + math.sin(t) * a", "s += w[i, j] * a",
         "s -= y * math.sin(s + i * j)", "a *= math.cos(s)",
         "a = a * a\na = math.sin(a) + w[i, j] * j", "s = s * w[i, j] + math.sin(a * j - i)"]


def gen_loops(r, e):
    n = e.n
    outer_n = r.randint(1, n)
    inner = r.choice([f"range({r.randint(1, n)})", "range(i)", "range(i + 1)",
                      f"range(1, {n})"])
    names = ["s", "a", "x", "y"]
    body = []
    for _ in range(r.randint(1, 4)):
        body += r.choice(INNER).split("\n")
    jump = r.random()
    if jump < 0.2:
        body += [f"if {e.condition(['s', 'a'])}:", "    break"]
    elif jump < 0.4:
        body[:0] = [f"if {e.condition(['s', 'a', 'x'])}:", "    continue"]
    elif jump < 0.55:
        body += [f"if {e.condition(['s', 'a'])}:", f"    return {e.scalar(names)}"]
    lines = [f"s = {e.scalar(['x', 'y'])}", f"a = math.tanh({e.scalar(['x', 'y'])})",
             f"for i in range({outer_n}):"]
    if r.random() < 0.4:
        lines.append(f"    s = s + {e.scalar(['s', 'x', 'a'], 1)} * i")
    lines += [f"    for j in {inner}:"] + indent(body, 2)
    if r.random() < 0.5:                    # a statement after the inner loop, or none
        lines.append(f"    a = math.tanh(a + s * {e.const()})")
    if r.random() < 0.5:
        active = r.random() < 0.5
        lines += ["k = 0",
                  f"while k < {r.randint(0, 4)}" + (f" and s < {e.const(0.5, 3.0)}:" if active else ":"),
                  f"    s = math.tanh(s + a * k) + {e.scalar(['x', 'y'], 1)}",
                  "    k += 1"]
        if r.random() < 0.4:
            lines += [f"    if {e.condition(['s', 'a'])}:", "        break"]
    lines.append(f"return s + a * ({e.scalar(names, 2)})")
    return function("f", ["x", "y", "w"], lines), [("x", ()), ("y", ()), ("w", (n, n))]


def gen_arrays(r, e):
    """Reads only (autograd runs these): reductions, products, x[i] and W[i, j] in loops."""
    n, m = e.n, e.m
    names = {"": ["s"], "n": ["x"], "nm": ["W"]}
    lines = []
    for k in range(r.randint(1, 4)):
        kind = r.choice(["assign", "rows", "cols", "elements", "recurrence", "branch"])
        t = f"t{k}"
        if kind == "assign":
            shape = r.choice(["", "n", "m", "nm"])
            lines.append(f"{t} = {e.array(names, shape, 2)}")
        elif kind == "rows":
            shape = ""
            lines += [f"{t} = 0.0", f"for i in range({n}):",
                      f"    {t} = {t} + x[i] * np.sum({e.array({**names, 'm': ['W[i]']}, 'm', 1)})"]
        elif kind == "cols":
            shape = ""
            lines += [f"{t} = {e.array(names, '', 1)}", f"for j in range({m}):",
                      f"    {t} = {t} * 0.5 + np.dot(W[:, j], {e.array(names, 'n', 1)})"]
        elif kind == "elements":
            shape = ""
            lines += [f"{t} = 0.0", f"for i in range({n}):", f"    for j in range({m}):",
                      f"        {t} = {t} + W[i, j] * x[i] * math.sin(s * j + {t})"]
        elif kind == "recurrence":
            shape = "n"
            lines += [f"{t} = x", f"for step in range({r.randint(1, 3)}):",
                      f"    {t} = np.tanh(W @ (W.T @ {t}) * s + x)"]
        else:
            shape = r.choice(["", "n"])
            lines += [f"if {e.condition(names[''] + ['x[0]', 'np.sum(W)'])}:",
                      f"    {t} = {e.array(names, shape, 2)}", "else:",
                      f"    {t} = {e.array(names, shape, 1)}"]
        names.setdefault(shape, []).append(t)
    lines.append(f"return {e.array(names, '', 2)} + {_reduce_all(names)}")
    return (function("f", ["x", "W", "s"], lines),
            [("x", (n,)), ("W", (n, m)), ("s", ())])


def _reduce_all(names, skip=("x", "W", "s")):
    """A scalar reading every local the program made, so none can be dead code."""
    terms = [name if shape == "" else f"np.sum(np.sin({name}))"
             for shape, group in names.items() for name in group if name not in skip]
    return " + ".join(terms) or "0.0"


def gen_writes(r, e):
    """Row, column, element and slice writes into buffers the function created."""
    n, m = e.n, e.m
    init = r.choice([f"np.zeros(({n}, {m}))", "W.copy()", "W * 1.0", "np.ones_like(W)",
                     "np.array(W)"])
    lines = [f"out = {init}", f"v = np.zeros({n})"]
    names = {"": ["s"], "n": ["x", "v"], "nm": ["W", "out"]}
    for _ in range(r.randint(2, 5)):
        kind = r.choice(["rows", "cols", "elements", "slices", "vector", "augmented",
                         "vector_slices", "nested_rows", "cross", "recurrent", "loop_slices"])
        if kind == "rows":
            lines += [f"for i in range({n}):",
                      f"    out[i] = {e.array({**names, 'm': ['W[i]', 'out[i]'], '': ['s', 'x[i]']}, 'm', 1)}"]
        elif kind == "cols":
            lines += [f"for j in range({m}):",
                      f"    out[:, j] = {e.array({**names, 'n': ['x', 'out[:, j]']}, 'n', 1)}"]
        elif kind == "elements":
            lines += [f"for i in range({n}):", f"    for j in range({m}):",
                      f"        out[i, j] = {e.scalar(['out[i, j]', 'x[i]', 'W[i, j]', 's'], 2, kinks=False)}"]
        elif kind == "slices":
            lines.append(r.choice(["out[1:] = out[1:] * s", "out[:-1] = out[1:] + s",
                                   "out[:, 1:] = out[:, :-1] * x[:, None]",
                                   "out[1:] += out[:-1] * s", f"out[0] = out[{n - 1}] + W[0]"]))
        elif kind == "vector":
            lines += [f"for i in range({n}):",
                      f"    v[i] = {e.scalar(['v[i]', 'x[i]', 's', f'v[{n - 1} - i]', 'np.sum(out[i])'], 2, kinks=False)}"]
        elif kind == "nested_rows":
            lines += [f"for i in range({n}):", f"    for j in range({m}):",
                      f"        out[i] = out[i] * {e.scalar(['s', 'x[i]'], 1, kinks=False)} + W[i] * j"]
        elif kind == "cross":
            lines += [f"for i in range({n}):", f"    for j in range({n}):",
                      "        v[j] = " + r.choice(["v[j] * math.sin(v[i] + s * j)",
                                                    "v[j] + math.tanh(v[i] * x[j] - s)",
                                                    "v[i] * 0.5 + x[j] * s"])]
        elif kind == "recurrent":
            lines += [f"for i in range({n}):",
                      "    " + r.choice(["out[i] = np.tanh(W[i] * s + out[i - 1])",
                                         "out[i] = out[i - 1] * s + np.sin(out[i])"])]
        elif kind == "loop_slices":
            lines += [f"for k in range({r.randint(1, 3)}):",
                      "    out[1:] = out[1:] * s",
                      "    " + r.choice(["out[:-1] = out[1:] + x[:-1, None]",
                                         "out[:, :-1] = out[:, 1:] * np.cos(s)"])]
        elif kind == "vector_slices":
            lines.append(r.choice(["v[1:] = v[1:] * s", "v[:-1] = v[1:] + x[:-1]",
                                   "v[1:] = v[:-1] * x[1:] + v[1:]", "v[::2] = v[::2] + s"]))
        else:
            lines += [f"for i in range({n}):",
                      "    " + r.choice([f"out[i] += W[i] * {e.scalar(['s', 'x[i]'], 1)}",
                                         "out[i] -= np.tanh(out[i]) * s",
                                         "v[i] *= math.cos(s + x[i])",
                                         "out[:, i % 2] += x * s"])]
    if r.random() < 0.05:
        lines.append("W[0, 0] = s")         # into an argument: must be refused
    lines.append(f"return {e.array(names, '', 1)} + {_reduce_all(names)}")
    return (function("f", ["x", "W", "s"], lines),
            [("x", (n,)), ("W", (n, m)), ("s", ())])


def gen_aliases(r, e):
    """Aliases followed by in-place operators, and views read after their base changes."""
    n, m = e.n, e.m
    lines = [f"buf = {r.choice(['W * 1.0', 'W.copy()', 'np.tanh(W)', 'np.array(W)'])}",
             f"vec = {r.choice(['x * 1.0', 'np.sin(x)', 'x + s', 'np.array(x)', 'x.copy()'])}"]
    names = {"": ["s"], "n": ["x", "vec"], "nm": ["W", "buf"]}
    for k in range(r.randint(2, 5)):
        kind = r.choice(["alias_inplace", "view_then_write", "scalar_alias", "inplace",
                         "alias_write", "rebind_alias", "loop_inplace"])
        if kind == "alias_inplace":
            names["nm"] = [v for v in names["nm"] if v != "y"]
            lines += ["y = buf", r.choice(["y += 1.0", "y *= s", "y -= np.cos(x)[:, None]",
                                           "y /= 1.5 + np.cos(s)"])]
            names["nm"].append("y")
        elif kind == "view_then_write":
            view, shape = r.choice([("buf[:2]", "nm"), (f"buf[:, {r.randrange(m)}]", "n"),
                                    ("buf.T", "mn"), (f"buf[{r.randrange(n)}]", "m"),
                                    ("vec[1:]", "n-1")])
            names["view"] = names.get("view", []) + [f"t{k}"]
            lines += [f"t{k} = {view}",
                      r.choice([f"buf[0] = x[0] * s + buf[{n - 1}]", "buf[:, 0] = x * s",
                                "buf *= s", "vec[0] = s * vec[0]", "vec += s"]),
                      f"r{k} = np.sum(t{k} * t{k})"]
            names[""].append(f"r{k}")
        elif kind == "scalar_alias":
            lines += [f"a{k} = {e.scalar(['s', 'x[0]'], 1)}", f"b{k} = a{k}",
                      f"b{k} {r.choice(['+=', '-=', '*='])} {e.scalar(['s'], 1)}",
                      f"c{k} = a{k} * b{k}"]
            names[""].append(f"c{k}")
        elif kind == "inplace":
            lines.append(r.choice(["buf -= s", "buf *= np.cos(buf)", "vec -= s",
                                   "vec *= x", "buf += np.outer(vec, W[0])"]))
        elif kind == "alias_write":
            lines += ["u = vec", f"u[{r.randrange(n)}] = {e.scalar(['s', 'u[0]', 'x[1]'], 1)}"]
        elif kind == "rebind_alias":
            lines += ["z = vec", "z = z + 1.0", "vec *= s"]
            if "z" not in names["n"]:
                names["n"].append("z")
        else:
            lines += [f"for i in range({n}):",
                      "    " + r.choice(["row = buf[i]", "row = buf[:, i % 2]"]),
                      "    " + r.choice(["row *= s", "row += x[i]", "row -= np.sin(row)"])]
    views = names.pop("view", [])
    lines.append(f"return {e.array(names, '', 1)} + "
                 f"{_reduce_all({**names, 'view': views}, skip=('x', 'W', 's', 'y'))}")
    return (function("f", ["x", "W", "s"], lines),
            [("x", (n,)), ("W", (n, m)), ("s", ())])


DEFAULTS = ["-1.4", "2 * 0.5", "-(0.5)", "1e-1 * 3", "math.pi / 4", "-2 + 0.75", "0.3"]


def gen_helpers(r, e):
    n = e.n
    d = [r.choice(DEFAULTS) for _ in range(4)]
    helpers = [
        function("h0", ["a", f"b={d[0]}"], [
            "s = a", f"for k in range({r.randint(1, 3)}):",
            "    s = math.sin(s) * b + a * k", "return s"]),
        function("h1", ["a", f"b={d[1]}"], [
            f"if {e.condition(['a'])}:", f"    return {e.scalar(['a', 'b'], 1, kinks=False)}",
            f"return math.tanh(a) - b"]),
        function("h2", ["v", f"c={d[2]}"], [
            "acc = 0.0", f"for i in range({n}):",
            "    acc = acc + v[i] * c + math.sin(v[i] * acc)", "return acc"]),
        function("h3", ["a", f"b={d[3]}"], ["return h0(a * b) + h1(a)"]),
    ]
    writes = r.random() < 0.3
    if writes:
        helpers.append(function("h4", ["v", "s=-0.3"], [
            f"out = np.zeros({n})", f"for i in range({n}):",
            "    out[i] = v[i] * s + out[i - 1]", "return np.sum(out * out)"]))
    calls = ["h0(x * i + s)", "h0(s, y * i)", "h1(s, b=y)", "h1(s)", "h3(x + s)",
             "h3(s, b=-y)", "h2(v * s)", "h2(v, c=y)", "h0(h1(s), b=x)"]
    if writes:
        calls += ["h4(v)", "h4(v * s, s=y)"]
    body = [f"s = {e.scalar(['x', 'y'], 1)}", f"for i in range({r.randint(1, 3)}):"]
    for _ in range(r.randint(1, 3)):
        body.append(f"    s = math.tanh(s + {r.choice(calls)})")
    if r.random() < 0.5:
        body += [f"    for j in range({r.randint(1, 3)}):",
                 f"        s = s * 0.5 + {r.choice(calls).replace('i', 'j')}"]
    body.append(f"return s + {r.choice(calls).replace('* i', '* 2')}")
    f = function("f", ["x", "y", "v"], body)
    return "\n\n".join(helpers + [f]), [("x", ()), ("y", ()), ("v", (n,))], writes


def gen_globals(r, e):
    n = e.n
    offset = ", ".join(e.const() for _ in range(n))
    module = [f"SCALE = {e.const(0.2, 1.5)}", f"OFFSET = np.array([{offset}])", "",
              function("g", ["a"], ["return math.sin(a) * 2.0 + SCALE"]),
              function("g_alt", ["a"], ["return math.cos(a) - a * SCALE"]),
              function("helper", ["a", "b=0.5"], ["return a * SCALE + b * g(a)"])]
    body = [f"s = x * SCALE", f"for i in range({n}):",
            "    " + r.choice(["s = s + g(v[i] * s)", "s = math.tanh(s + helper(v[i]))",
                               "s = s * 0.5 + OFFSET[i] * v[i]"]),
            f"return s + np.sum(np.tanh(v + OFFSET)) * SCALE + {r.choice(['g(x)', 'helper(s)', '0.0'])}"]
    module.append(function("f", ["x", "v"], body))
    new_offset = ", ".join(e.const() for _ in range(n))
    rebinds = [f"SCALE = {e.const(-1.5, -0.2)}", f"OFFSET = np.array([{new_offset}])",
               "g = g_alt"]
    chosen = [b for b in rebinds if r.random() < 0.5] or [r.choice(rebinds)]
    return "\n".join(module), [("x", ()), ("v", (n,))], "\n".join(chosen)


DECORATORS = {
    "doubled": ("def doubled(fn):\n    @functools.wraps(fn)\n    def wrapper(*args):\n"
                "        return 2.0 * fn(*args)\n    return wrapper\n", "doubled"),
    "shifted": ("def shifted(fn):\n    @functools.wraps(fn)\n    def wrapper(*args):\n"
                "        return fn(*args) + 1.5\n    return wrapper\n", "shifted"),
    "squared": ("def squared(fn):\n    @functools.wraps(fn)\n    def wrapper(*args):\n"
                "        value = fn(*args)\n        return value * value\n    return wrapper\n",
                "squared"),
    "scaled_inputs": ("def scaled_inputs(fn):\n    @functools.wraps(fn)\n    def wrapper(*args):\n"
                      "        return fn(*[a * 2.0 for a in args])\n    return wrapper\n",
                      "scaled_inputs"),
    "factory": ("def scaled(factor):\n    def decorate(fn):\n        @functools.wraps(fn)\n"
                "        def wrapper(*args):\n            return factor * fn(*args)\n"
                "        return wrapper\n    return decorate\n", "scaled(3.0)"),
    "identity": ("def logged(fn):\n    @functools.wraps(fn)\n    def wrapper(*args):\n"
                 "        return fn(*args)\n    return wrapper\n", "logged"),
}


def gen_decorated(r, e):
    inner = r.choice([gen_scalar, gen_loops])
    source, params = inner(r, e)
    text, name = DECORATORS[r.choice(sorted(DECORATORS))]
    return text + "\n\n" + f"@{name}\n" + source, params


def generate(family, seed):
    """The program of `family` for `seed` (the same seed always gives the same one)."""
    r = random.Random(f"{family}:{seed}")
    e = Exprs(r, r.randint(2, 4), r.randint(2, 4))
    if family == "helpers":
        body, params, writes = gen_helpers(r, e)
        return Program(family, seed, body, params, writes=writes)
    if family == "globals":
        body, params, rebind = gen_globals(r, e)
        return Program(family, seed, body, params, rebind=rebind)
    generator = {"scalar": gen_scalar, "loops": gen_loops, "arrays": gen_arrays,
                 "writes": gen_writes, "aliases": gen_aliases, "decorated": gen_decorated}
    body, params = generator[family](r, e)
    return Program(family, seed, body, params, writes=family in ("writes", "aliases"))


def seed_for(family, index):
    """A stable seed per (family, program index): the family's number, then the index."""
    return (FAMILIES.index(family) + 1) * 1_000_000 + index


def family_of(seed):
    return FAMILIES[seed // 1_000_000 - 1]


# --- the command-line runner --------------------------------------------------------

def _run_one(seed):
    from tests.judge import judge
    return judge(generate(family_of(seed), seed))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=400, help="programs in all")
    parser.add_argument("--family", default="all", help="'all' or a comma-separated list")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--start", type=int, default=0, help="first program index")
    parser.add_argument("--failures", type=int, default=5, help="failing seeds shown per class")
    parser.add_argument("--show", type=int, help="print one program (by seed) and its verdict")
    args = parser.parse_args(argv)
    os.environ.setdefault("S2S_AD_CHECK", "1")
    import warnings
    warnings.simplefilter("error")          # as pytest's filterwarnings = error
    from tests.judge import judge, table

    if args.show is not None:
        program = generate(family_of(args.show), args.show)
        print(program.source)
        if program.rebind:
            print("# rebound between the calls:\n" + program.rebind)
        result = judge(program)
        print(f"# {result.outcome} (judged by {result.oracle}); resampled {result.resampled}")
        if result.detail:
            print(result.detail)
        return 0
    families = FAMILIES if args.family == "all" else args.family.split(",")
    per_family = max(1, args.n // len(families))
    seeds = [seed_for(f, args.start + i) for f in families for i in range(per_family)]
    if args.jobs > 1:
        import multiprocessing
        with multiprocessing.Pool(args.jobs) as pool:
            results = pool.map(_run_one, seeds, chunksize=8)
    else:
        results = [_run_one(s) for s in seeds]
    print(table(results, args.failures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
