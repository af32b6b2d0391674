"""Rewrites of a loop's tape, after the tape plan (stage `loops`), for scalar loops.

The tape stage pushes one tuple per iteration and the reverse loop pops it. Three
rewrites make that cheaper without changing a single value:

- **Recompute instead of record.** A recorded value whose definition in the loop body
  reads only the loop index, values that never change after they are set (parameters,
  values computed once before any loop, arrays never written into) and other such
  values of the same body, is computed again at the top of the reverse loop instead
  of being pushed and popped: `z5 = x[i]`, `z7 = x[i + 1] - z5 ** 2`. The same
  operations on the same operands give the same bits. A loop whose only loop-carried
  state is an accumulator (`total += g(x[i])`: the accumulator's adjoint is the same
  in every iteration) then needs no tape at all, and in `grad` (no value returned)
  the forward loop is dead code.
- **Per-value tapes.** A loop over `range(n)` at the top of the function (it runs
  once, so its trip count is known when it starts) records each value in a list of
  its own, made before the loop with `n` slots: `x_2_tape[i] = x_2` forward; no
  tuple built, no method called. The reverse loop walks the lists backwards, `for
  x_2, v_2 in zip(reversed(x_2_tape), reversed(v_2_tape)):` (every slot is written:
  the loop has no break, continue or return), or, when the reverse sweep reads the
  loop index `i` as well, keeps `for i in reversed(range(n)):` and reads
  `x_2 = x_2_tape[i]`.
- **Hoisting.** A statement of such a loop that computes the same number in every
  iteration from operands the loop never changes (`z1 = -k`) is computed once before
  the loop. Only operations that cannot raise are moved (negation, +, -, * of Python
  numbers), since a loop may run zero times.

`S2S_AD_OPTIMISE=0` in the environment at compile time turns these and float_reads.py
off (tests compare both versions).
"""
import ast
import contextlib
import copy
import math
import os
import types

import numpy as np

from .forward import NOTE
from .liveness import KEEP
from .walk import name_nodes
from . import loop_code


_TAPE_LIST = "_s2s_tape_list"       # marks the statements that make per-value tapes


def optimising():
    """Are the scalar-loop optimisations on (S2S_AD_OPTIMISE unset or not 0, and not
    inside `plain_code()`)?"""
    return not plain_requested() and os.environ.get("S2S_AD_OPTIMISE", "1") not in ("0", "")


# How many plain_code() blocks are open. A process-wide count, not a thread-local one:
# it is read on every grad(f) (a thread-local costs several times more), and another
# thread that sees it set only compiles plain code, which computes the same numbers.
_plain_depth = [0]


def plain_requested():
    return _plain_depth[0] > 0


@contextlib.contextmanager
def plain_code():
    """Compile without these rewrites inside the block: for generated code that s2s_ad
    reads back and differentiates again (hessian: forward mode over the gradient),
    which expects the tape as the tape stage writes it. api.py keys its cache of
    gradient objects on this too."""
    _plain_depth[0] += 1
    try:
        yield
    finally:
        _plain_depth[0] -= 1


def rewrite_loops(c):
    """Apply the three rewrites to the Compilation's forward and reverse sweeps, in
    place. Returns a list of lines saying what was done (for S2S_AD_DUMP=loops)."""
    if not (optimising() and c.kinds and c.pushes):
        return []
    code = _Code(c)
    done = []
    for forward_loop, push, reverse_loop, pop in code.pairs():
        names = loop_code.pushed_names(push)
        recomputed = code.recompute(forward_loop, names)
        if recomputed:
            statements, chosen = recomputed
            names = [n for n in names if n not in chosen]
            if names:
                loop_code.set_pushed_names(push, names)
                new_pop = loop_code.with_names(pop, names)
                loop_code.replace(reverse_loop.body, pop, [new_pop] + statements)
                pop = new_pop
            else:
                forward_loop.body.remove(push)
                loop_code.replace(reverse_loop.body, pop, statements)
            done.append(f"recomputed in reverse: {', '.join(chosen)}")
        if names and code.per_value(forward_loop, push, reverse_loop, pop, names):
            done.append(f"per-value tapes: {', '.join(names)}")
    done += code.hoist()
    code.drop_unused_tape()
    return done


class _Code:
    """The sweeps and the facts the rewrites need about their names."""

    def __init__(self, c):
        self.c = c
        self.forward, self.reverse = c.forward, c.reverse
        self.kinds, self.namespace = c.kinds, c.namespace
        self.params = set(c.compiler.params)
        stored = {}
        mutated = set()
        self.returned = {n.id for n in name_nodes(c.returns)}
        # A pop restores a recorded value: it is not one of the value's assignments.
        for node in loop_code.nodes(self.forward + self.reverse, skip=KEEP):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                stored[node.id] = stored.get(node.id, 0) + 1
            elif isinstance(node, (ast.Subscript, ast.Attribute)) and \
                    isinstance(node.ctx, (ast.Store, ast.Del)):
                mutated.update(n.id for n in name_nodes(node.value))
            elif isinstance(node, ast.AugAssign) and not isinstance(node.target, ast.Name):
                mutated.update(n.id for n in name_nodes(node.target.value))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                # A method may change its object (lst.append); a module's function not.
                mutated.update(n.id for n in name_nodes(node.func.value)
                               if not isinstance(c.namespace.get(n.id), types.ModuleType))
        self.stored = stored
        # A name sharing memory with an array written into is as changed as that array.
        for name in list(mutated):
            mutated |= set(c.aliases.get(name, ()))
        self.mutated = mutated
        self.top = {n for s in self.forward if not isinstance(s, (ast.For, ast.While, ast.If))
                    for n in loop_code.stores(s)}
        self.push_name, self.pop_name, self.tape_name = loop_code.tape_names(self.forward,
                                                                      self.reverse)

    # -- finding the pairs -------------------------------------------------------------

    def pairs(self):
        """(forward loop, its push, reverse loop, its pop) for each `for` loop whose
        body pushes once at its own level and whose reverse loop pops first thing."""
        if self.push_name is None:
            return []
        forwards = {}
        for loop in loop_code.loops(self.forward):
            pushes = [s for s in loop.body if self._is_push(s)]
            if len(pushes) == 1 and not loop_code.escapes(loop.body):
                forwards.setdefault(loop_code.push_key(pushes[0]), []).append((loop, pushes[0]))
        found = []
        for loop in loop_code.loops(self.reverse):
            if not loop.body or not self._is_pop(loop.body[0]):
                continue
            candidates = forwards.get(loop_code.pop_key(loop.body[0]), [])
            matching = [(f, p) for f, p in candidates if loop_code.reversed_of(loop, f)]
            if len(candidates) == 1 and len(matching) == 1:
                found.append((matching[0][0], matching[0][1], loop, loop.body[0]))
        return found

    def _is_push(self, s):
        return (isinstance(s, ast.Expr) and isinstance(s.value, ast.Call)
                and isinstance(s.value.func, ast.Name) and s.value.func.id == self.push_name
                and len(s.value.args) == 1)

    def _is_pop(self, s):
        if not (isinstance(s, ast.Assign) and getattr(s, KEEP, False)):
            return False
        call = s.value
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and \
                call.func.id != self.pop_name and call.args:
            call = call.args[0]                 # tape_check(tape_pop(), tag)
        return (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                and call.func.id == self.pop_name)

    # -- recompute -----------------------------------------------------------------------

    def stable(self, name):
        """Does `name` hold the same value whenever the function reads it after its
        single assignment: a parameter or a global never assigned, or a value assigned
        once at the function's top level; and, if it is an array, never written into?"""
        count = self.stored.get(name, 0)
        if count > 1 or (count == 1 and name not in self.top):
            return False
        if count == 0 and name not in self.params and name not in self.namespace:
            return False
        return name not in self.mutated

    def recompute(self, loop, names):
        """([statements], [names]) computing again, in the reverse loop, those of
        `names` that can be (with what they need from the same body); None if none."""
        index = loop.target.id if isinstance(loop.target, ast.Name) else None
        definitions = {}
        for s in loop.body:
            for n in loop_code.stores(s):
                definitions[n] = None if n in definitions else s   # twice: not simple
        able = {}

        def can(name, depth=0):
            if name in able:
                return able[name]
            able[name] = False                  # no cycles
            s = definitions.get(name)
            ok = (s is not None and depth < 20 and isinstance(s, ast.Assign)
                  and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name)
                  and self.stored.get(name, 0) == 1 and self._scalar(name)
                  and name not in self.returned
                  and _pure(s.value, self.namespace))
            if ok:
                for n in name_nodes(s.value):
                    if n.id == index:
                        continue
                    if n.id in definitions:
                        ok = ok and can(n.id, depth + 1)
                    else:
                        ok = ok and self.stable(n.id)
            able[name] = ok
            return ok

        chosen = [n for n in names if can(n)]
        if not chosen:
            return None
        needed = set()
        stack = list(chosen)
        while stack:
            n = stack.pop()
            if n in needed:
                continue
            needed.add(n)
            stack += [m.id for m in name_nodes(definitions[n].value)
                      if m.id in definitions and m.id != index]
        statements = [copy.deepcopy(s) for s in loop.body
                      if isinstance(s, ast.Assign) and loop_code.stores(s) & needed]
        if len(statements) > 12:            # recomputing costs more than the tape
            return None
        return statements, chosen

    def _scalar(self, name):
        kind = self.kinds.get(name)
        return kind is not None and (kind.is_python_number or kind.is_array
                                     and kind.shape == () and kind.array_type is np.ndarray)

    # -- per-value tapes -----------------------------------------------------------------

    def per_value(self, forward_loop, push, reverse_loop, pop, names):
        """Replace this loop's tuple entries by one preallocated list per value, for a
        loop over range(n) at the function's top level."""
        if forward_loop not in self.forward or reverse_loop not in self.reverse:
            return False
        if not all(self._scalar(n) for n in names):     # numbers only: scalar loops
            return False
        size = loop_code.range_size(forward_loop.iter)
        if size is None or not isinstance(forward_loop.target, ast.Name):
            return False
        if isinstance(size, ast.Name) and not self.stable(size.id):
            return False
        index = forward_loop.target.id
        lists = {n: self.c.names.fresh(f"{n}_tape") for n in names}
        made = [loop_code.assign(lists[n], ast.BinOp(ast.List([ast.Constant(None)], ast.Load()),
                                             ast.Mult(), copy.deepcopy(size)))
                for n in names]
        setattr(made[0], NOTE, "the tape: a slot per iteration for each value the "
                               "reverse sweep reads")
        for s in made:
            setattr(s, _TAPE_LIST, True)
        at = self.forward.index(forward_loop)
        self.forward[at:at] = made
        stores = [ast.Assign([ast.Subscript(ast.Name(lists[n], ast.Load()),
                                            ast.Name(index, ast.Load()), ast.Store())],
                             ast.Name(n, ast.Load()), lineno=0) for n in names]
        loop_code.replace(forward_loop.body, push, stores)
        reverse_loop.body.remove(pop)
        if self._index_unread(index, reverse_loop):
            # `for x_2, v_2 in zip(reversed(x_2_tape), reversed(v_2_tape)):`, the lists
            # themselves walked backwards: no index, no subscript.
            loop_code.iterate_backwards(reverse_loop, [(n, lists[n]) for n in names])
            if not reverse_loop.body:
                reverse_loop.body.append(ast.Pass())
        else:
            reverse_loop.body[0:0] = [
                loop_code.assign(n, ast.Subscript(ast.Name(lists[n], ast.Load()),
                                                  ast.Name(index, ast.Load()), ast.Load()))
                for n in names]
        return True

    def _index_unread(self, index, reverse_loop):
        """Does the reverse sweep read the loop index nowhere (the loop's own target
        aside)? Then the reverse loop may walk the tapes instead of the range."""
        return not any(isinstance(n, ast.Name) and n.id == index
                       and not isinstance(n.ctx, ast.Store)
                       for n in loop_code.nodes(self.reverse))

    # -- hoisting ------------------------------------------------------------------------

    def hoist(self):
        done = []
        for loop in [s for s in self.forward if isinstance(s, ast.For)]:
            index = {n.id for n in name_nodes(loop.target)}
            changing = index | {n for s in loop.body for n in loop_code.stores(s)}
            moved = []
            for s in list(loop.body):
                if not (isinstance(s, ast.Assign) and len(s.targets) == 1
                        and isinstance(s.targets[0], ast.Name)):
                    continue
                name = s.targets[0].id
                operands = [n.id for n in name_nodes(s.value)]
                if (self.stored.get(name, 0) == 1 and loop_code.cannot_raise(s.value)
                        and all(o not in changing and self.stable(o)
                                and self._python_number(o) for o in operands)):
                    loop.body.remove(s)
                    note = getattr(s, NOTE, None)
                    if note:
                        setattr(s, NOTE, f"{note} (the same in every iteration)")
                    moved.append(s)
                    self.top.add(name)
            if moved:
                at = self.forward.index(loop)
                while at and getattr(self.forward[at - 1], _TAPE_LIST, False):
                    at -= 1                 # before the loop's tape lists
                self.forward[at:at] = moved
                done.append("hoisted: " + ", ".join(s.targets[0].id for s in moved))
        return done

    def _python_number(self, name):
        kind = self.kinds.get(name)
        return kind is not None and kind.pytype in (float, int)

    def drop_unused_tape(self):
        """No push left: the tape and its bound methods go."""
        if self.push_name is None:
            return
        if any(isinstance(n, ast.Name) and n.id == self.push_name and
               isinstance(n.ctx, ast.Load) for n in loop_code.nodes(self.forward)):
            return
        if any(isinstance(n, ast.Name) and n.id == self.pop_name and
               isinstance(n.ctx, ast.Load) for n in loop_code.nodes(self.reverse)):
            return
        def about_tape(s):
            return bool({n.id for n in name_nodes(s)} & {self.tape_name, self.push_name,
                                                         self.pop_name})
        self.forward[:] = [s for s in self.forward if not about_tape(s)]
        self.reverse[:] = [s for s in self.reverse if not about_tape(s)]


# -- helpers -----------------------------------------------------------------------------

def _pure(node, namespace):
    """An expression that computes the same result from the same operands and changes
    nothing: arithmetic, reads of elements, math and NumPy functions."""
    for n in ast.walk(node):
        if isinstance(n, (ast.Lambda, ast.NamedExpr, ast.Await, ast.Yield,
                          ast.YieldFrom, ast.Starred, ast.ListComp, ast.GeneratorExp,
                          ast.DictComp, ast.SetComp)):
            return False
        if isinstance(n, ast.Call):
            f = n.func
            if not (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name)
                    and namespace.get(f.value.id) in (math, np)):
                return False
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Attribute):
            return False                    # np.random.normal, np.linalg...
    return True


