"""The intermediate representation: the structured evaluation trace and its items.

A trace body is a *block*: a list of items. Five kinds of item, one protocol:

    Stmt    z = h(operands)           one primitive of the rule table
    Store   a[index] = value           an element write into a local array or list
    Append  L.append(value)            an append to a local list
    If      if test: ... else: ...     with phi copies where the branches join
    Loop    for / while                with loop-carried header copies

Every item answers the same questions, and every analysis asks them instead of
testing types:

    defs()      names the item binds at its own level (a Store binds none: it changes
                its array in place, listed by writes())
    uses()      operands it reads at its own level
    deps()      (name, operands its value depends on differentiably) pairs: the edges
                of activity analysis; indices, saved copies and piecewise-constant
                primitives contribute none
    writes()    containers it changes in place
    blocks()    its child blocks, in program order

Inside a block every name is assigned once per execution of the block (SSA per
block); where control flow joins, explicit copies merge the versions:

- `If.phis` lists `(target, then_operand, else_operand)`: the forward sweep assigns
  `target` at the end of whichever branch ran (an operand of None: that branch leaves
  `target` unassigned, as Python would).
- `Loop.carried` lists `(header, last_operand)`: `header` names a loop-carried value at
  the start of each iteration; the body ends with `header = last_operand` (the back
  edge). The value before the first iteration is a plain copy `header = initial` in
  the enclosing block, and after the loop `header` holds the final value.

Early exits (`break`, `continue`, `return`) are lowered away into flags and guarded
branches, so every block runs from its first item to its last: the reverse sweep of a
block is its items' adjoints in reverse order. Every `for` loop runs over a `range`, so
the reverse sweep runs backwards over the same range without recording the index.

This module imports no pass: the lowering builds these items, the passes read them.
"""
import ast
import copy
from dataclasses import dataclass, field

from .walk import all_nodes


def names_in(operand):
    """The local-or-external names an operand reads (an index or a list included)."""
    if operand is None:
        return []
    if isinstance(operand, ast.Name):
        return [operand.id]
    return [n.id for n in all_nodes(operand) if isinstance(n, ast.Name)]


class Item:
    """The protocol every item follows (see the module docstring)."""
    loc = None
    inlined = None          # note of the inlined call this item came from

    def defs(self):
        return []

    def uses(self):
        return []

    def deps(self):
        return []

    def writes(self):
        return []

    def blocks(self):
        return []


@dataclass(eq=False)
class Stmt(Item):
    """`target = rule(args)`; `args` binds the rule's parameter names to operands."""
    target: str
    rule: object                    # rules.Rule
    args: dict                      # parameter name -> operand (ast.Name/Constant/...)
    loc: object
    call_args: list = field(default_factory=list)     # operands as the user passed them
    call_keywords: list = field(default_factory=list)  # [(keyword, operand)]
    callee: ast.expr = None         # the user's spelling of the called function
    inlined: str = None
    inplace: bool = False           # `y += v`: on an array, y's memory changes in place

    def defs(self):
        return [self.target]

    def uses(self):
        return list(self.args.values())

    def deps(self):
        if self.rule.zero_grad:
            return []
        if not self.rule.discrete:
            return [(self.target, list(self.args.values()))]
        return [(self.target, [op for p, op in self.args.items()
                               if p.partition("[")[0] not in self.rule.discrete])]

    def forward_expr(self):
        """The right-hand side as Python: the same operation the user wrote."""
        return self.rule.spell(self)

    def operands(self):
        return list(self.call_args) + [v for _, v in self.call_keywords]

    def rename_operands(self, renames):
        """Point operands that name a key of `renames` at its value instead."""
        self.args = {k: renamed(v, renames) for k, v in self.args.items()}
        self.call_args = [renamed(v, renames) for v in self.call_args]
        self.call_keywords = [(k, renamed(v, renames)) for k, v in self.call_keywords]

    def rename_defs(self, renames):
        self.target = renames.get(self.target, self.target)


@dataclass(eq=False)
class Store(Item):
    """`array[index] = value`, with `saved` the overwritten part (copied just before,
    so the reverse sweep can restore it)."""
    array: str
    index: ast.expr
    value: ast.expr
    saved: ast.expr
    loc: object = None
    inlined: str = None

    def uses(self):
        return [ast.Name(self.array, ast.Load()), self.index, self.value, self.saved]

    def deps(self):
        return [(self.array, [ast.Name(self.array, ast.Load()), self.value])]

    def writes(self):
        return [self.array]

    def rename_operands(self, renames):
        self.index = renamed(self.index, renames)
        self.value = renamed(self.value, renames)
        self.saved = renamed(self.saved, renames)
        self.array = renames.get(self.array, self.array)

    def rename_defs(self, renames):
        pass


@dataclass(eq=False)
class Append(Item):
    """`lst.append(value)`."""
    lst: str
    value: ast.expr
    loc: object = None
    inlined: str = None

    def uses(self):
        return [ast.Name(self.lst, ast.Load()), self.value]

    def deps(self):
        return [(self.lst, [ast.Name(self.lst, ast.Load()), self.value])]

    def writes(self):
        return [self.lst]

    def rename_operands(self, renames):
        self.value = renamed(self.value, renames)
        self.lst = renames.get(self.lst, self.lst)

    def rename_defs(self, renames):
        pass


@dataclass(eq=False)
class If(Item):
    test: ast.expr                  # an operand; the branch taken is this value's truth
    body: list
    orelse: list
    phis: list = field(default_factory=list)    # [(target, then operand, else operand)]
    loc: object = None
    inlined: str = None

    def defs(self):
        return [t for t, _, _ in self.phis]

    def uses(self):
        return [self.test]

    def deps(self):
        return [(t, [o for o in (a, b) if o is not None]) for t, a, b in self.phis]

    def blocks(self):
        return [self.body, self.orelse]

    def rename_operands(self, renames):
        self.test = renamed(self.test, renames)
        self.phis = [(t, renamed(a, renames), renamed(b, renames)) for t, a, b in self.phis]

    def rename_defs(self, renames):
        self.phis = [(renames.get(t, t), a, b) for t, a, b in self.phis]


@dataclass(eq=False)
class Loop(Item):
    """`for target in range(*bounds)` (kind 'for') or `while` (kind 'while', whose
    `cond_body` computes `cond` at the top of each iteration)."""
    kind: str
    body: list
    target: str = None              # for: the index variable
    bounds: list = None             # for: the range arguments, as operands
    cond_body: list = None          # while: statements computing the condition
    cond: ast.expr = None           # while: the operand tested
    carried: list = field(default_factory=list)  # [(header, last operand)]
    exit_flag: ast.expr = None      # operand true when the body asked to leave the loop
    counter: str = None             # name counting iterations, when the count varies
    loc: object = None
    inlined: str = None

    def defs(self):
        return [h for h, _ in self.carried] + [n for n in (self.target, self.counter) if n]

    def uses(self):
        return list(self.bounds or []) + [o for o in (self.cond, self.exit_flag) if o]

    def deps(self):
        return [(h, [last]) for h, last in self.carried]

    def blocks(self):
        return [self.cond_body or [], self.body]

    def rename_operands(self, renames):
        if self.bounds is not None:
            self.bounds = [renamed(b, renames) for b in self.bounds]
        self.cond = renamed(self.cond, renames)
        self.carried = [(h, renamed(last, renames)) for h, last in self.carried]
        self.exit_flag = renamed(self.exit_flag, renames)

    def rename_defs(self, renames):
        pass


def walk_items(block):
    """Every item of a block and of the blocks nested in it, in program order
    (iterative: nesting depth costs no Python recursion)."""
    stack = [iter(block)]
    while stack:
        for item in stack[-1]:
            yield item
            if type(item) is not Stmt:          # (a statement has no blocks)
                children = item.blocks()
                if children:                    # the first child block runs first
                    stack.extend(iter(child) for child in reversed(children))
                    break
        else:
            stack.pop()


def level_defs(block):
    """Names a block binds at its own level (not inside nested blocks), in order."""
    return [name for item in block for name in item.defs()]


def all_defs(block):
    """Names bound anywhere in a block, nested blocks included."""
    return {name for item in walk_items(block) for name in item.defs()}


def is_straight_line(block):
    return not any(item.blocks() for item in block)


@dataclass
class Trace:
    parsed: object                  # frontend.ParsedFunction
    params: list                    # parameter names, in order
    body: list                      # [Item]
    result: ast.expr                # the returned operand
    result_loc: object
    locals: set                     # every local name in the trace (user versions + temps)
    taken: set                      # names generated code must not reuse
    temps: set = field(default_factory=set)   # the z1, z2, ... among the locals
    aux: ast.expr = None            # with has_aux: the auxiliary value returned
    # Versions of a returned value (the function's, its aux, an inlined callee's): each
    # holds a value only once that function has returned, after which none of its
    # statements runs, and a callee's is read only by the copy its caller takes
    # (inline._bind_result). So no in-place change can make them stale (aliasing.py).
    return_versions: frozenset = frozenset()

    @property
    def name(self):
        return self.parsed.node.name

    def is_local(self, operand):
        return isinstance(operand, ast.Name) and operand.id in self.locals


class NameAllocator:
    """Fresh names that clash with nothing the user's code or namespace uses."""

    def __init__(self, taken):
        self.taken = set(taken)
        self.last = {}      # base -> the suffix last given; names are never released, so
                            # the search for a free one resumes there (a variable assigned
                            # n times would otherwise cost O(n) per new version)

    def fresh(self, base):
        name, n = base, self.last.get(base, 1)
        if n > 1:
            name = f"{base}_{n}"
        while name in self.taken:
            n += 1
            name = f"{base}_{n}"
        self.taken.add(name)
        self.last[base] = n
        return name


def renamed(operand, renames):
    """`operand` with the names in `renames` replaced, inside an index or a list too."""
    if operand is None or not renames:
        return operand
    if isinstance(operand, ast.Name):
        return ast.Name(renames.get(operand.id, operand.id), ast.Load())
    if isinstance(operand, (ast.List, ast.Tuple, ast.Subscript, ast.Slice, ast.Dict,
                            ast.Call)):       # x[i + 1], [a, b]; has_aux trees, State(a, b)
        return _Rename(renames).visit(copy.deepcopy(operand))
    return operand


class _Rename(ast.NodeTransformer):
    def __init__(self, renames):
        self.renames = renames

    def visit_Name(self, node):
        return ast.Name(self.renames.get(node.id, node.id), ast.Load())
