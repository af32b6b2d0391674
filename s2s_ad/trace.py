"""The evaluation trace and the lowering of a parsed function into it.

The trace is three-address code, the lecture's computation model: every statement is
`z_t = h_t(operands)` with one primitive `h_t` (a rule in the table) and operands that
are names or constants. User variables keep their names; a reassigned name gets a new
version (`x`, `x_2`, ...) so every value the reverse sweep may need stays available;
temporaries are `z1, z2, ...` in trace order.
"""
import ast
import numbers


from . import rules
from .errors import UnboundNameError
from .ir import NameAllocator, Stmt, Trace, renamed  # noqa: F401 (the IR, re-exported)
from .kinds import kind_of
from .rules.tuple_results import lower_tuple_call
from .lower_attributes import AttributeLowering


class _Lowerer(AttributeLowering):
    """Lowers expressions and plain assignments into three-address statements; the
    statement-level lowering (control flow, versions, early exits) extends it in
    control.py (`StructuredLowerer`)."""

    def __init__(self, parsed):
        self.parsed = parsed
        fn = parsed.node
        self.params = [a.arg for a in fn.args.args]
        user_names = {n.id for n in parsed.nodes() if type(n) is ast.Name}
        self.assigned = set(self.params) | _assigned_names(parsed.nodes())
        self.names = NameAllocator(user_names | set(parsed.namespace) | set(self.params))
        self.temp_prefix = "z"
        self.temp_count = 0
        self.current = {p: p for p in self.params}     # user name -> current version
        self.body = []
        self.locals = set(self.params)
        self.temps = set()

    # -- statements -------------------------------------------------------------

    def statement(self, node):
        if isinstance(node, ast.Assign):
            if len(node.targets) != 1:
                raise self.error("chained assignment 'a = b = ...' is not supported; "
                                 "assign one name at a time", node)
            self.assign(node.targets[0], node.value)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            self.assign(node.target, node.value)
        elif isinstance(node, ast.AugAssign):
            if not isinstance(node.target, ast.Name):
                raise self.error("augmented assignment is supported on names only", node)
            value = ast.BinOp(ast.Name(node.target.id, ast.Load()), node.op, node.value)
            ast.copy_location(value, node)
            self.assign(node.target, value)
        elif isinstance(node, ast.Expr):
            raise self.error("an expression statement has no effect on the result; "
                             "assign it or remove it", node)
        elif isinstance(node, ast.Pass):
            pass
        else:
            first = ast.unparse(node).split("\n")[0]
            raise self.error(f"this kind of statement ('{first}') is not supported in a "
                             "differentiated function", node)

    def assign(self, target, value):
        if isinstance(target, ast.Name):
            name = self.new_version(target.id)
            self.expr(value, target=name)
            self.current[target.id] = name
        elif isinstance(target, ast.Tuple) and all(isinstance(t, ast.Name) for t in target.elts):
            if not (isinstance(value, ast.Tuple) and len(value.elts) == len(target.elts)):
                raise self.error("tuple unpacking needs a tuple of the same length on the "
                                 "right, as in 'a, b = b, a'", value)
            # Python evaluates the whole right side before binding any name.
            names = [self.new_version(t.id) for t in target.elts]
            for name, element in zip(names, value.elts):
                self.expr(element, target=name)
            for t, name in zip(target.elts, names):
                self.current[t.id] = name
        else:
            raise self.error("only names and tuples of names can be assigned to", target)

    # -- expressions --------------------------------------------------------------

    def expr(self, node, target=None):
        """Lower an expression; return its operand. With `target`, the value is
        computed into that name (a copy if the expression is already an operand)."""
        operand = self._expr(node, target)
        if target is not None and not (isinstance(operand, ast.Name) and operand.id == target):
            self.emit(target, rules.rule_for_operator("copy", None), {"x": operand}, node,
                      call_args=[operand])
        return operand

    def _expr(self, node, target):
        if isinstance(node, ast.Constant):
            return node
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.Attribute):
            return self.attribute(node, target)
        if isinstance(node, ast.BinOp):
            return self.binop_chain(node, target)
        if isinstance(node, ast.UnaryOp):
            rule = rules.rule_for_operator(rules.UNARY, type(node.op))
            if rule is None:
                raise self.error(f"the operator in '{ast.unparse(node)}' is not "
                                 "supported here", node)
            if isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
                return node          # a negative literal, -1.0
            x = self.expr(node.operand)
            return self.emit(target, rule, {"x": x}, node, call_args=[x])
        if isinstance(node, ast.Call):
            return self.call(node, target)
        if isinstance(node, (ast.Tuple, ast.List)):
            operand = self.sequence(node)
            if _is_static_sequence(operand):
                return operand          # (0, 1) as an axis, [0, 0, 2] as an index
            raise self.error("a list or tuple of computed values is supported only as an "
                             "argument of a function that takes one, as in np.array([a, b]) "
                             "or np.concatenate([a, b])", node)
        raise self.error(f"the expression '{ast.unparse(node)}' is not supported in a "
                         "differentiated function", node)

    def binop_chain(self, node, target):
        """`a + b + c + ...` is a left-deep tree as deep as it is long: walk down its
        left spine in a loop (not by recursion), then emit one statement per operator
        in Python's order of evaluation, innermost first."""
        spine = []
        while isinstance(node, ast.BinOp):
            rule = rules.rule_for_operator(rules.BINOP, type(node.op))
            if rule is None:
                raise self.error(f"the operator in '{ast.unparse(node)}' is not "
                                 "supported", node)
            spine.append((node, rule))
            node = node.left
        x = self.expr(node)
        for k, (op_node, rule) in enumerate(reversed(spine)):
            y = self.expr(op_node.right)
            last = k == len(spine) - 1
            x = self.emit(target if last else None, rule, {"x": x, "y": y}, op_node,
                          call_args=[x, y])
        return x

    def name(self, node):
        if node.id in self.assigned:
            if node.id not in self.current:
                raise self.error(f"local variable '{node.id}' is used before it is assigned",
                                 node)
            return ast.Name(self.current[node.id], ast.Load())
        self.resolve(node)          # an external: fails early if it is not bound
        return ast.Name(node.id, ast.Load())

    def resolve(self, node):
        """The object an external name or attribute chain denotes (globals/closure)."""
        if isinstance(node, ast.Name):
            try:
                return self.parsed.lookup(node.id)
            except KeyError:
                raise UnboundNameError(f"name '{node.id}' is not defined", self.parsed.loc(node)) \
                    from None
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            try:
                return getattr(base, node.attr)
            except AttributeError:
                raise self.error(f"'{ast.unparse(node.value)}' has no attribute "
                                 f"'{node.attr}'", node) from None
        raise self.error("only names and module attributes can be called or read here", node)

    def is_external(self, node):
        while isinstance(node, ast.Attribute):
            node = node.value
        return isinstance(node, ast.Name) and node.id not in self.assigned

    def sequence(self, node):
        """A list/tuple literal with each element lowered to an operand."""
        elements = [self.sequence(e) if isinstance(e, (ast.List, ast.Tuple)) else self.expr(e)
                    for e in node.elts]
        return type(node)(elements, ast.Load())

    def call(self, node, target):
        func = node.func
        if isinstance(func, ast.Call):          # grad(inner)(w, ...): nested_grad.py
            from .nested_grad import lower_gradient_call
            return lower_gradient_call(self, node, target)
        if isinstance(func, ast.Attribute) and (not self.is_external(func)
                                                or self._is_array_method(func)):
            return self.method_call(node, target)
        fn = self.resolve(func)
        rule = rules.rule_for_call(fn)
        if rule is None:
            raise self.error(f"no derivative rule for {rules.public_name(fn)}; "
                             "s2s_ad can only differentiate calls it has rules for "
                             "(see the README's list)", node)
        if any(k.arg is None for k in node.keywords):
            raise self.error("'**' in calls is not supported", node)
        args = [self.argument(a) for a in node.args]
        keywords = [(k.arg, self.argument(k.value)) for k in node.keywords]
        bound = self.bind(rule, args, keywords, node)
        if getattr(rule, "tuple_parts", None) is not None:     # eigh, qr, svd, ...
            parts = lower_tuple_call(self, rule, bound, node, args, keywords, func)
            if parts is not None:
                return parts
        return self.emit(target, rule, bound, node, call_args=args, call_keywords=keywords,
                         callee=func)

    def argument(self, node):
        """A call argument: an operand, or a list/tuple literal of operands."""
        if isinstance(node, (ast.List, ast.Tuple)):
            return self.sequence(node)
        return self.expr(node)

    def bind(self, rule, args, keywords, node):
        """Map the rule's parameter names to operands. A list/tuple of operands (or a
        *varargs parameter) also binds each element, as 'arrays[0]', 'arrays[1]', ...,
        so that each element gets its own adjoint."""
        names = set(rule.signature.parameters)
        open_ended = any(p.kind is p.VAR_KEYWORD for p in rule.signature.parameters.values())
        for keyword, _ in keywords:
            if keyword == "out" and "out" not in names:
                raise self.error(_out_message(node), node)
            if keyword not in names and not open_ended:
                raise self.error(f"the keyword argument '{keyword}=' of {rule.name} is "
                                 "not supported (s2s_ad refuses it rather than ignore it)",
                                 node)
        try:
            bound = rule.signature.bind(*args, **dict(keywords))
        except TypeError as exc:
            raise self.error(f"unsupported call of {rule.name}: {exc}", node) from None
        bound.apply_defaults()
        out = {}
        for name, value in bound.arguments.items():
            if isinstance(value, tuple):                    # *varargs
                value = ast.Tuple(list(value), ast.Load())
            out[name] = _as_operand(value)
            for path, element in _elements(out[name]):
                out[f"{name}{path}"] = element
        return out

    def emit(self, target, rule, args, node, **spelling):
        if target is None:
            self.temp_count += 1
            target = self.names.fresh(f"{self.temp_prefix}{self.temp_count}")
            self.locals.add(target)
            self.temps.add(target)
        self.body.append(Stmt(target, rule, args, self.parsed.loc(node), **spelling))
        return ast.Name(target, ast.Load())

    def error(self, message, node):
        return self.parsed.error(message, node)


def _out_message(call):
    """`f(x, out=y)` changes y in place: say so, and what to write instead."""
    target = next(ast.unparse(k.value) for k in call.keywords if k.arg == "out")
    plain = ast.Call(call.func, call.args, [k for k in call.keywords if k.arg != "out"])
    return (f"'out={target}' writes the result into '{target}' in place, changing it, "
            f"which s2s_ad does not follow; assign the result instead: "
            f"{target} = {ast.unparse(plain)}")


def _as_operand(value):
    """Defaults from a rule's signature arrive as Python values: make them constants."""
    if isinstance(value, ast.AST):
        return value
    return ast.Constant(value)


def _elements(operand, path=""):
    """(index path, operand) for each leaf of a list/tuple literal of operands."""
    if isinstance(operand, (ast.List, ast.Tuple)):
        for i, element in enumerate(operand.elts):
            if isinstance(element, (ast.List, ast.Tuple)):
                yield from _elements(element, f"{path}[{i}]")
            else:
                yield f"{path}[{i}]", element


def _is_static_sequence(operand):
    return all(isinstance(leaf, ast.Constant) or (isinstance(leaf, ast.UnaryOp)
                                                 and isinstance(leaf.operand, ast.Constant))
               for _, leaf in _elements(operand))


def _assigned_names(nodes):
    return {n.id for n in nodes if type(n) is ast.Name and type(n.ctx) is ast.Store}


def _is_docstring(node):
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str))


def static_value(operand, parsed):
    """The compile-time value of an operand that is a literal or a module constant
    (math.pi, a global number), or raise LookupError. Locals are never static."""
    if isinstance(operand, ast.Constant):
        return operand.value
    if isinstance(operand, ast.UnaryOp) and isinstance(operand.operand, ast.Constant):
        return -operand.operand.value
    if isinstance(operand, (ast.Tuple, ast.List)):
        values = [static_value(e, parsed) for e in operand.elts]
        return tuple(values) if isinstance(operand, ast.Tuple) else values
    if isinstance(operand, (ast.Name, ast.Attribute)):
        try:
            value = external_value(operand, parsed)
        except (KeyError, AttributeError):
            raise LookupError(operand) from None
        if isinstance(value, (numbers.Number, str, tuple, type(None))):
            return value
    raise LookupError(operand)


def external_value(node, parsed):
    """The object a module-level name, attribute chain or literal denotes."""
    if isinstance(node, ast.Name):
        return parsed.lookup(node.id)
    if isinstance(node, ast.Attribute):
        return getattr(external_value(node.value, parsed), node.attr)
    if isinstance(node, ast.Constant):
        return node.value
    raise TypeError(node)


def operand_kind(operand, trace, kinds):
    """An operand's kind: a local's, from `kinds`; else that of the literal or
    module-level value it names (None when it cannot be looked up)."""
    if trace.is_local(operand):
        return kinds.get(operand.id)
    try:
        return kind_of(static_value(operand, trace.parsed))
    except LookupError:
        pass
    try:
        return kind_of(external_value(operand, trace.parsed))
    except (KeyError, AttributeError, TypeError):
        return None
