"""Dead-code elimination on generated statements, loops and branches included.

A backward liveness analysis: an assignment is dropped when nothing later reads its
target. Writes into a container (`a[i] = v`, `a[i] += g`, `a.append(v)`, `a.pop()`)
count as reading and writing the container `a`, so they are dropped only when `a`
itself is dead. Loops iterate to a fixed point (a value read in the next iteration is
live at the end of this one); `break` and `continue` are treated as falling through,
which can only keep more.
"""
import ast

from .walk import all_nodes, loads, name_nodes

_MUTATORS = {"append", "pop"}
KEEP = "_s2s_keep"      # a statement with this attribute set is never dropped (tape pops)
IMPURE = "_s2s_impure"  # a random draw (forward.py sets it): never dropped, and never
                        # moved by folding, since the draws must happen as f makes them


def eliminate_dead_code(statements, live_out, aliases=None, effects=None):
    """Drop dead assignments from `statements`, in place (nested blocks keep their
    identity, which tape.py relies on); `live_out` is the set of names read after.
    `aliases` maps a name to the names that may share its memory (aliasing.py): a write
    into `out` is kept while a view of `out` is still read. `effects`: id(statement) ->
    effect_of(...) for statements whose names the caller has walked already."""
    _block(statements, set(live_out), remove=True, aliases=aliases or {},
           effects={} if effects is None else effects)
    return statements


def _any_live(containers, live, aliases):
    """Is any of these containers, or a name sharing memory with one, live?"""
    return any(c in live or not aliases.get(c, frozenset()).isdisjoint(live)
               for c in containers)


def reads(node):
    return loads(node)


def _block(statements, live, remove, aliases, effects):
    kept = []
    for statement in reversed(statements):
        statement, live = _statement(statement, live, remove, aliases, effects)
        if statement is not None:
            kept.append(statement)
    kept.reverse()
    if remove:
        statements[:] = kept
        return statements, live
    return kept, live


def _statement(s, live, remove, aliases, effects):
    """(s or None if dead, the names live before s). `live` is the caller's set, updated
    in place for simple statements: copying it per statement would make long straight-line
    code, where many values stay live, quadratic."""
    if getattr(s, KEEP, False):
        stored = {n.id for t in s.targets for n in all_nodes(t) if isinstance(n, ast.Name)
                  and isinstance(n.ctx, ast.Store)}
        live -= stored
        live |= reads(s.value)
        return s, live
    if isinstance(s, (ast.Assign, ast.AugAssign, ast.Expr)):
        effect = effects.get(id(s))        # (this pass's memo: statements stay alive)
        if effect is None:
            effect = effects[id(s)] = _effect(s)
        names, containers, read, killed = effect
        if getattr(s, IMPURE, False):
            pass                            # kept, dead or not
        elif isinstance(s, ast.Expr):
            if containers and not _any_live(containers, live, aliases):
                return None, live
        elif names.isdisjoint(live) and not _any_live(containers, live, aliases):
            return None, live
        live -= killed
        live |= read
        return s, live
    if isinstance(s, ast.If):
        body, live_body = _block(s.body, set(live), remove, aliases, effects)
        orelse, live_else = _block(s.orelse, set(live), remove, aliases, effects)
        if remove and not body and not orelse:
            return None, live
        if remove and not body:
            body.append(ast.Pass())
        return s, live_body | live_else | reads(s.test)
    if isinstance(s, (ast.For, ast.While)):
        defined = _names(s.target) if isinstance(s, ast.For) else set()
        live_in = set()
        while True:             # fixed point: what the next iteration reads is live here
            _, start = _block(s.body, live | live_in, False, aliases, effects)
            start = start - defined
            if start <= live_in:
                break
            live_in |= start
        body, _ = _block(s.body, live | live_in, remove, aliases, effects)
        head = s.iter if isinstance(s, ast.For) else s.test
        if remove and not body:
            return None, live | reads(head)
        return s, live | live_in | reads(head)
    return s, live | reads(s)


def _effect(s):
    calls = []
    return effect_of(s, name_nodes(s.value, calls), calls)


def effect_of(s, value_names, calls):
    """(names s assigns, containers it writes or mutates, names it reads, names it
    kills) for a simple statement (an Assign, AugAssign or Expr), given the names and
    calls in its value (walk.name_nodes(s.value, calls)): what a pass over it needs,
    worked out once per statement (loops are passed over until their liveness settles)."""
    value_reads, containers = _reads_and_mutated(value_names, calls)
    if isinstance(s, ast.Expr):
        return set(), containers, value_reads | containers, set()
    if type(s) is ast.Assign and len(s.targets) == 1 and type(s.targets[0]) is ast.Name:
        name = s.targets[0].id          # (most statements: what the loops below say)
        return {name}, containers, value_reads | containers, {name}
    targets = s.targets if isinstance(s, ast.Assign) else [s.target]
    names = set()
    for t in targets:
        _split_target(t, names, containers)
    read = value_reads | containers
    for t in targets:
        if not isinstance(t, (ast.Name, ast.Tuple)):
            read |= reads(t)
    killed = set(names) if isinstance(s, ast.Assign) else set()
    if isinstance(s, ast.AugAssign):
        read |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names, containers, read, killed


def _split_target(t, names, containers):
    if isinstance(t, ast.Name):
        names.add(t.id)
    elif isinstance(t, ast.Tuple):
        for e in t.elts:
            _split_target(e, names, containers)
    elif isinstance(t, ast.Subscript):
        base = t.value
        while isinstance(base, ast.Subscript):
            base = base.value
        if isinstance(base, ast.Name):
            containers.add(base.id)


def _reads_and_mutated(names, calls):
    """(the names a value reads, the containers a call in it like `a.pop()` or
    `a.append(v)` changes), from the names and calls of one walk of it."""
    read = {n.id for n in names if type(n.ctx) is ast.Load}
    return read, {n.func.value.id for n in calls
                  if isinstance(n.func, ast.Attribute) and n.func.attr in _MUTATORS
                  and isinstance(n.func.value, ast.Name)}


def _names(target):
    return {n.id for n in all_nodes(target) if isinstance(n, ast.Name)}
