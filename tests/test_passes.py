"""Each pass of the middle, tested directly on small lowered traces: the IR protocol,
activity, aliasing, CSE, the tape plan and dead-code elimination with aliases."""
import ast

import numpy as np

from s2s_ad import ir, tape
from s2s_ad.activity import Activity
from s2s_ad.aliasing import alias_classes
from s2s_ad.control import lower_structured
from s2s_ad.cse import eliminate_common_subexpressions
from s2s_ad.frontend import parse_function
from s2s_ad.kinds import kind_of
from s2s_ad.liveness import eliminate_dead_code


def lowered(f):
    return lower_structured(parse_function(f))


def items_of(trace, kind):
    return [item for item in ir.walk_items(trace.body) if isinstance(item, kind)]


def writes_in_a_loop(x, n):
    out = np.zeros(3)
    total = 0.0
    for i in range(n):
        out[i] = x * i
        if i > 0:
            total = total + out[i - 1]
    return total + np.sum(out)


def test_the_ir_protocol_of_each_item():
    trace = lowered(writes_in_a_loop)
    (loop,) = items_of(trace, ir.Loop)
    (branch,) = items_of(trace, ir.If)
    (store,) = items_of(trace, ir.Store)
    assert store.defs() == [] and store.writes() == ["out"]
    assert [n for op in store.deps()[0][1] for n in ir.names_in(op)][0] == "out"
    assert loop.target in loop.defs() and loop.blocks()[1] is loop.body
    assert set(branch.defs()) == {t for t, _, _ in branch.phis}
    # walk_items visits every item once, in program order, without recursion
    walked = list(ir.walk_items(trace.body))
    assert walked.index(loop) < walked.index(store) < walked.index(branch)
    assert len(walked) == len({id(item) for item in walked})


def mixed(x, k):
    dead = np.sin(x)            # depends on x, but not the output
    index = int(k)              # an integer: never active
    y = x * 2.0
    return y[index] + k * 0.0


def test_activity_is_varied_and_useful():
    trace = lowered(mixed)
    kinds = {"x": kind_of(np.ones(3)), "k": kind_of(1.0)}
    activity = Activity(trace, kinds, ["x"])
    assert "y" in activity and "x" in activity
    assert "dead" in activity.varied and "dead" not in activity
    assert "index" not in activity


def views_and_copies(x):
    out = np.array(x)
    t = out[:2]
    u = t.T
    v = out * 1.0
    return np.sum(u) + np.sum(v)


def test_alias_classes_follow_views_not_arithmetic():
    trace = lowered(views_and_copies)
    kinds = {n: kind_of(np.ones(3)) for n in trace.locals}
    classes = alias_classes(trace, kinds)
    assert {"out", "t", "u"} <= classes["t"]
    assert "v" not in classes.get("out", ())


def repeated(x, y):
    a = x * y + 1.0
    b = x * y + 2.0
    return a * b


def test_cse_shares_one_product_and_leaves_the_trace_as_it_was():
    trace = lowered(repeated)
    before = [ast.dump(item.forward_expr()) for item in trace.body]
    shared = eliminate_common_subexpressions(trace)
    products = [item for item in shared.body if ast.dump(item.forward_expr()) ==
                ast.dump(ast.parse("x * y", mode="eval").body)]
    assert len(products) == 1
    assert [ast.dump(item.forward_expr()) for item in trace.body] == before


def test_exposed_reads_skip_what_an_inner_block_assigns_first():
    reverse = ast.parse("a = tape_pop()\nfor j in range(3):\n    b = tape_pop()\n    c = b + a\n"
                        "d = c + e").body
    assert tape.exposed_reads(reverse) == {"tape_pop", "range", "e", "c"}


def test_pops_are_kept_by_dead_code_elimination():
    reverse = ast.parse("a = tape_pop()\nb = 1.0").body
    setattr(reverse[0], "_s2s_keep", True)
    kept = eliminate_dead_code(list(reverse), live_out=set())
    assert kept == [reverse[0]]


def test_a_write_is_kept_while_a_view_of_its_array_is_read():
    code = ast.parse("out[1:] = saved\nr = z1 * 2.0").body
    without = eliminate_dead_code(list(code), live_out={"r"})
    assert without == [code[1]]
    views = {"out": frozenset({"out", "z1"}), "z1": frozenset({"out", "z1"})}
    kept = eliminate_dead_code(list(code), live_out={"r"}, aliases=views)
    assert kept == code
