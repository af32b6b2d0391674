"""Temporaries released as soon as they are dead, in generated code that only runs.

Generated code names every intermediate value (`z1`, `z1_dot`, ...), and a local name
keeps its array alive until the function returns, where the user's own expression
`np.exp(-(X @ W))` frees each temporary at once. With a few dozen arrays of tens of
kilobytes alive together, the heap grows at every call and is given back to the
system at every return, and every fresh page costs a fault: measured on the sigmoid
network, the generated jvp took 4.5x the function's time with every temporary alive and
2.0x with them released (benchmarks/higher_order_row.py).

`released(statements, returns)` adds `del a, b` after the top-level statement that
mentions a name for the last time. Only names bound by a top-level assignment (so
surely bound there) are released; a name read inside a loop or branch is released
after that whole statement. `del` is outside the subset s2s_ad reads, so this is only
for code that is run, never for code read back (the plain variant stays as it was).
"""
import ast


ENABLED = True      # benchmarks/higher_order_row.py times the code without it too


def released(statements, returns, params=()):
    """A new top-level statement list with `del` statements for dead locals."""
    if not ENABLED:
        return list(statements)
    last = {}
    for i, s in enumerate(statements):
        for node in ast.walk(s):
            if isinstance(node, ast.Name):
                last[node.id] = i
    live_at_end = {n.id for n in ast.walk(returns) if isinstance(n, ast.Name)}
    bound = set()
    out = []
    for i, s in enumerate(statements):
        out.append(s)
        if isinstance(s, ast.Assign):
            bound.update(t.id for t in s.targets if isinstance(t, ast.Name))
        dead = sorted(name for name in bound if last.get(name) == i
                      and name not in live_at_end and name not in params)
        if dead:
            out.append(ast.Delete([ast.Name(name, ast.Del()) for name in dead]))
            bound.difference_update(dead)
    return out
