"""`checkpoint_loops`: a gradient whose loops keep every k-th state, not a tape entry
per iteration, and recompute one segment at a time in the reverse sweep.

    g = s2s_ad.checkpoint_loops(s2s_ad.grad(simulate))          # sqrt(n) segments
    g = s2s_ad.checkpoint_loops(s2s_ad.grad(simulate), every=100)

The Python backend's tape grows by one entry per iteration: memory in proportion to
the trip count. Here the forward sweep runs each loop without recording, saving the
loop-carried values at the start of every k-th iteration. The reverse sweep then
takes the segments last to first: it restores the segment's saved state, runs the
segment's iterations again as the Python backend's forward sweep does (recording
them), and reverses them. The tape holds at most one segment's entries and the saved
states number n/k: with k = sqrt(n) (the default), 2 sqrt(n) entries instead of n, for
one more forward run of the loop. The recomputation runs the very same statements on
the very same values, so the gradient is the same bit for bit.

This is a rewrite of the generated code (as `jit`'s is), so it applies where the
recomputation provably gives the same values:

- the loop is a `for ... in range(...)` of the function itself (not nested in
  another loop or a branch), with no loop or branch in its body;
- its body only binds names: it writes into no array or list, and calls only
  functions of NumPy and `math` (without `out=`), builtins that compute values, and
  s2s_ad's shape helpers;
- the values it reads from outside, and the range, are not rebound before the
  reverse sweep reaches it; a value the reverse sweep reads from the loop's last
  iteration without recording it is the same in every iteration.

A loop that records anything and is not of this form is refused with its line and
the reason; the plain gradient still works for it.
"""
import ast
import builtins
import copy
import functools
import inspect
import math
import re
import types

import numpy as np

from . import runtime
from .errors import TranslationError, UsageValueError
from .kinds import signature_key
from .scalar_loops import plain_code

_PURE_BUILTINS = {"len", "abs", "min", "max", "float", "int", "bool", "complex", "range",
                  "round", "sum", "divmod", "pow"}
_PURE_HELPERS = {runtime.unbroadcast, runtime.zeros_like}
# NumPy names that write into their arguments or draw random numbers: a recomputed
# segment would not see the values the first run saw.
_IMPURE_NAMES = {"random", "at", "copyto", "put", "place", "putmask", "fill_diagonal",
                 "put_along_axis", "shuffle", "seed", "setflags", "resize", "fill"}
_IMPURE = object()


def checkpoint_loops(gradient, every=None):
    """`gradient` (made by grad or value_and_grad), computing the same numbers with
    checkpointed loops: each loop stores its carried state every `every` iterations
    (default: sqrt of the trip count) and recomputes segments in the reverse sweep."""
    if not hasattr(gradient, "_s2s_compiler"):
        raise UsageValueError("checkpoint_loops: expected a function grad or "
                              "value_and_grad returned, e.g. checkpoint_loops(grad(f))")
    if every is not None and (not isinstance(every, int) or isinstance(every, bool)
                              or every < 1):
        raise UsageValueError(f"checkpoint_loops: every={every!r}; expected a positive int "
                              "(iterations per segment) or None for sqrt(n)")
    return functools.update_wrapper(_Checkpointed(gradient, every), gradient, updated=())


class _Checkpointed:
    """The gradient object's protocol (compile, source, revalidation), so that `jit`
    compiles the checkpointed code too."""

    def __init__(self, gradient, every):
        from .api import plain_variant
        # The plain generated code: the scalar-loop rewrites (scalar_loops.py) change
        # the recording loops this module rewrites again.
        self.gradient = plain_variant(gradient)
        self.every = every
        self.parameters = inspect.signature(gradient).parameters
        self._s2s_compiler = self.gradient._s2s_compiler
        self._s2s_revalidate = self.gradient._s2s_revalidate
        self._s2s_plain = True          # its code is the plain code (api.plain_variant)
        self.cache = {}                 # signature key -> (Python backend fn, ours)
        self.sources = {}
        self.source = None

    def compile(self, *args):
        with plain_code():
            python = self.gradient.compile(*args)
        key = signature_key(args)
        entry = self.cache.get(key)
        if entry is None or entry[0] is not python:
            raw = getattr(python, "__wrapped__", python)
            source = checkpointed_source(self.gradient.source, raw.__name__, self.every,
                                         raw.__globals__, self._s2s_compiler.parsed)
            namespace = dict(raw.__globals__)
            exec(compile(source, f"<s2s_ad checkpointed {raw.__name__}>", "exec"),
                 namespace)
            function = namespace[raw.__name__]
            if python is not raw:
                # the dispatcher's conversion of results (NumPy scalar arguments)
                function = _rewrapped(python, raw, function)
            entry = self.cache[key] = (python, function)
            self.sources[key] = source
        self.source = self.sources[key]
        return entry[1]

    def __call__(self, *args, **kwargs):
        if kwargs or len(args) != len(self.parameters):
            bound = inspect.signature(self.gradient).bind(*args, **kwargs)
            bound.apply_defaults()
            args = bound.args
        self._s2s_revalidate()
        return self.compile(*args)(*args)


def _rewrapped(wrapper, raw, replacement):
    """`wrapper` (a closure around `raw`) around `replacement` instead."""
    cells = tuple(types.CellType(replacement) if c.cell_contents is raw else c
                  for c in wrapper.__closure__)
    function = types.FunctionType(wrapper.__code__, wrapper.__globals__, wrapper.__name__,
                                  wrapper.__defaults__, cells)
    function.__wrapped__ = replacement
    return function


# -- the rewrite ---------------------------------------------------------------------

def checkpointed_source(source, name, every, namespace, parsed=None):
    """The generated source with every recording loop checkpointed; a located
    TranslationError for a recording loop that cannot be."""
    tree = ast.parse(source)
    fun = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    tape = _tape_names(fun.body)
    if tape is None:
        return source                   # nothing is recorded: nothing to checkpoint
    rewrite = _Rewrite(fun, tape, every, namespace, _Locator(source, parsed))
    rewrite.run()
    ast.fix_missing_locations(tree)
    return ast.unparse(tree) + "\n"


def _tape_names(body):
    """(push, pop) names of the tape's bound methods (`tape = []`, `tape_push =
    tape.append`, `tape_pop = tape.pop`), or None without a tape."""
    lists, push, pop = set(), None, None
    for s in body:
        if not (isinstance(s, ast.Assign) and len(s.targets) == 1
                and isinstance(s.targets[0], ast.Name)):
            continue
        if isinstance(s.value, ast.List) and not s.value.elts:
            lists.add(s.targets[0].id)
        elif isinstance(s.value, ast.Attribute) and isinstance(s.value.value, ast.Name) \
                and s.value.value.id in lists:
            if s.value.attr == "append" and push is None:
                push = s.targets[0].id
            elif s.value.attr == "pop" and pop is None:
                pop = s.targets[0].id
    return (push, pop) if push else None


class _Locator:
    """The user's line for a statement of the generated code (its `# line N:` note)."""

    def __init__(self, source, parsed):
        self.lines = source.splitlines()
        self.parsed = parsed

    def error(self, node, why):
        user_line, text = None, ""
        for k in range(node.lineno - 2, -1, -1):
            found = re.match(r"\s*# line (\d+): (.*)", self.lines[k])
            if found:
                user_line, text = int(found.group(1)), found.group(2)
                break
        message = (f"checkpoint_loops cannot checkpoint the loop `{text}`: {why}; "
                   "use the plain gradient for this function")
        if self.parsed is None or user_line is None:
            return TranslationError(message)
        loc = types.SimpleNamespace(filename=self.parsed.filename, lineno=user_line,
                                    col=0, text=text)
        return TranslationError(message, loc)


class _Rewrite:
    def __init__(self, fun, tape, every, namespace, locator):
        self.fun = fun
        self.push, self.pop = tape
        self.every = every
        self.namespace = namespace
        self.locator = locator
        self.taken = {n.id for n in ast.walk(fun) if isinstance(n, ast.Name)} | \
            {a.arg for a in ast.walk(fun) if isinstance(a, ast.arg)}
        self.count = 0

    def fresh(self, base):
        name = base
        while name in self.taken:
            name += "_"
        self.taken.add(name)
        return name

    def run(self):
        body = self.fun.body
        loops = [s for s in body if isinstance(s, ast.For) and self._pushes(s)]
        for s in body:      # a recording block nested in a branch or a while loop
            if s not in loops and self._pushes(s):
                raise self.locator.error(s, "it records values inside a branch or a "
                                            "`while` loop, which is not checkpointed")
        for forward in loops:
            reverse = self._reverse_of(forward, body)
            self._check(forward, reverse, body)
            self._replace(forward, reverse, body)

    def _pushes(self, node):
        return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                   and n.func.id == self.push for n in ast.walk(node))

    # -- matching and checking ---------------------------------------------------------

    def _range_args(self, loop, reverse=False):
        it = loop.iter
        if reverse:
            if not (isinstance(it, ast.Call) and isinstance(it.func, ast.Name)
                    and it.func.id == "reversed" and len(it.args) == 1):
                return None
            it = it.args[0]
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) \
                and it.func.id == "range" and len(it.args) in (1, 2) and not it.keywords \
                and isinstance(loop.target, ast.Name) and not loop.orelse:
            return it.args
        return None

    def _push_statement(self, forward):
        pushes = [s for s in forward.body if isinstance(s, ast.Expr) and self._pushes(s)]
        return pushes[0] if len(pushes) == 1 else None

    def _reverse_of(self, forward, body):
        if self._range_args(forward) is None:
            raise self.locator.error(forward, "only `for ... in range(stop)` or "
                                              "`range(start, stop)` loops are checkpointed")
        push = self._push_statement(forward)
        if push is None:
            raise self.locator.error(forward, "its body has nested loops or branches")
        entry = push.value.args[0]
        after = body[body.index(forward) + 1:]
        for s in after:
            if not isinstance(s, ast.For) or not s.body:
                continue
            first = s.body[0]
            if self._range_args(s, True) is None:
                continue
            if isinstance(first, ast.Assign) and self._pops(first) \
                    and _entry_key(first.targets[0], first.value) == _entry_key(entry, None) \
                    and ast.dump(ast.Tuple(self._range_args(forward) or [], ast.Load())) \
                    == ast.dump(ast.Tuple(self._range_args(s, True) or [None], ast.Load())) \
                    and s.target.id == forward.target.id:
                return s
        raise self.locator.error(forward, "its reverse loop is not of the plain form "
                                          "(the loop is nested in the reverse sweep)")

    def _pops(self, node):
        return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                   and n.func.id == self.pop for n in ast.walk(node))

    def _check(self, forward, reverse, body):
        """Refuse what recomputation could change; note the loop-carried names and the
        names the code after the loop reads from its last iteration."""
        error = functools.partial(self.locator.error, forward)
        index = forward.target.id
        push = self._push_statement(forward)
        assigned, exposed = set(), set()
        for s in forward.body:
            if s is push:
                exposed |= _loads(s) - assigned
                continue
            if not isinstance(s, ast.Assign):
                raise error("its body has a statement other than assignments to names")
            for n in (n for t in s.targets for n in ast.walk(t)):
                if isinstance(n, (ast.Subscript, ast.Attribute, ast.Starred)):
                    raise error("its body writes into an array or a list, so recomputing "
                                "a segment would not start from the values it had")
            self._check_calls(s.value, error)
            exposed |= _loads(s.value) - assigned
            assigned |= _stores(s)
        carried = exposed & assigned
        inputs = (exposed - assigned - {index}) | _loads(
            ast.Tuple(self._range_args(forward), ast.Load()))
        between = body[body.index(forward) + 1:body.index(reverse)]
        rebound = inputs & _stores_in(between + [reverse])
        if rebound:
            raise error(f"`{sorted(rebound)[0]}`, which the loop reads, is rebound before "
                        "its reverse sweep")
        if any(self._pushes(s) or self._pops(s) for s in reverse.body[1:]):
            raise error("its reverse loop has nested recorded blocks")
        # Values the reverse loop and the code after it read from the loop's last
        # iteration (not from the tape): saved after the forward loop, restored after
        # each recomputation, since recomputing a segment rebinds them.
        popped = _stores(reverse.body[0])
        later = _loads(reverse) | _loads_in(body[body.index(reverse) + 1:])
        final = sorted(later & assigned - popped)
        clash = set(final) & (_stores_in(between) | _stores_in(reverse.body))
        if clash:
            raise error(f"`{sorted(clash)[0]}` is rebound between the loop and its "
                        "reverse sweep")
        self.carried = sorted(carried)
        self.final = final

    def _check_calls(self, node, error):
        for n in ast.walk(node):
            if not isinstance(n, ast.Call):
                continue
            if any(k.arg == "out" for k in n.keywords):
                raise error("a call in its body writes into an array (`out=`)")
            value = self._callee(n.func)
            if value is _IMPURE or isinstance(value, np.ufunc) and len(n.args) > value.nin:
                raise error(f"its body calls `{ast.unparse(n.func)}`, which may change "
                            "values in place or give other values when run again")

    def _callee(self, func):
        """The function a call in the loop body calls, if it is known to compute
        values only (the same ones when run again), else _IMPURE."""
        if isinstance(func, ast.Name):
            if func.id not in self.namespace:
                return getattr(builtins, func.id) if func.id in _PURE_BUILTINS else _IMPURE
            value = self.namespace[func.id]
            if any(value is h for h in _PURE_HELPERS):
                return value
            return value if _is_library(value) else _IMPURE
        chain = []
        while isinstance(func, ast.Attribute):
            chain.append(func.attr)
            func = func.value
        if not isinstance(func, ast.Name) or self.namespace.get(func.id) not in (np, math):
            return _IMPURE
        value = self.namespace[func.id]
        for attr in reversed(chain):
            if attr in _IMPURE_NAMES:
                return _IMPURE
            value = getattr(value, attr, _IMPURE)
        return value

    # -- the rewrite itself ----------------------------------------------------------------

    def _replace(self, forward, reverse, body):
        self.count += 1
        k = self.count
        n, lo, every, states, seg, start, stop, final = (
            self.fresh(f"ck{k}_{b}") for b in
            ("n", "first", "every", "states", "segment", "start", "stop", "final"))
        args = self._range_args(forward)
        index = forward.target.id
        carried = _tuple_text(self.carried)
        first, last = (("0", ast.unparse(args[0])) if len(args) == 1
                       else (ast.unparse(args[0]), ast.unparse(args[1])))
        every_text = (str(self.every) if self.every is not None
                      else f"max(1, int({n} ** 0.5))")
        # forward: the loop without its push, saving the carried state every k-th
        # iteration (and, after it, what later code reads from its last iteration)
        forward_code = ast.parse(
            f"{lo} = {first}\n{stop} = {last}\n{n} = max(0, {stop} - {lo})\n"
            f"{every} = {every_text}\n{states} = []\n"
            f"for {start} in range({lo}, {lo} + {n}, {every}):\n"
            f"    {states}.append({carried})\n"
            f"    for {index} in range({start}, min({start} + {every}, {stop})):\n"
            f"        pass\n").body
        forward_code[-1].body[-1].body = [copy.deepcopy(s) for s in forward.body
                                          if s is not self._push_statement(forward)]
        # reverse: per segment, last first: restore, recompute recording, reverse
        restore = []
        if self.final:
            names = _tuple_text(self.final)
            forward_code += ast.parse(f"if {n} > 0:\n    {final} = {names}\n").body
            restore = ast.parse(f"{names} = {final}\n").body
        segments = ast.parse(
            f"for {seg} in reversed(range(len({states}))):\n"
            f"    {carried} = {states}.pop()\n"
            f"    {start} = {lo} + {seg} * {every}\n"
            f"    for {index} in range({start}, min({start} + {every}, {stop})):\n"
            f"        pass\n").body
        outer = segments[0]
        outer.body[-1].body = copy.deepcopy(forward.body)
        outer.body += copy.deepcopy(restore)
        outer.body += ast.parse(
            f"for {index} in reversed(range({start}, min({start} + {every}, {stop}))):\n"
            f"    pass\n").body
        outer.body[-1].body = copy.deepcopy(reverse.body)
        if restore:
            segments += ast.parse(f"if {n} > 0:\n    {_tuple_text(self.final)} = {final}\n"
                                  ).body
        at = body.index(forward)
        body[at:at + 1] = forward_code
        at = body.index(reverse)
        body[at:at + 1] = segments


def _tuple_text(names):
    return "(" + ", ".join(names) + ("," if len(names) == 1 else "") + ")"


def _is_library(value):
    module = getattr(value, "__module__", None) or ""
    name = getattr(value, "__name__", "")
    return (isinstance(value, np.ufunc) or module.split(".")[0] in ("numpy", "math")) \
        and name not in _IMPURE_NAMES and "random" not in module


def _entry_key(target, value):
    node = target
    if isinstance(value, ast.Call) and len(value.args) == 2:      # S2S_AD_CHECK: tag
        return ("tag", ast.dump(value.args[1]))
    if isinstance(node, ast.Tuple) and len(node.elts) == 2 and value is None \
            and isinstance(node.elts[0], ast.Constant):
        return ("tag", ast.dump(node.elts[0]))
    if isinstance(node, ast.Name):
        return (node.id,)
    if isinstance(node, ast.Tuple):
        return tuple(getattr(e, "id", None) for e in node.elts)
    return None


def _loads(node):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Load)}


def _loads_in(statements):
    return set().union(set(), *(_loads(s) for s in statements))


def _stores_in(statements):
    return set().union(set(), *(_stores(s) for s in statements))


def _stores(node):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Store)}
