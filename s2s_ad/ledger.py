"""The adjoint ledger: one Accumulator per forward name in scope, and the operations
on them that the reverse sweep and containers.py use.

`add` records a contribution; `finish` gives the complete adjoint where the value is
defined (writing it once as a sum, or substituting a single name or number);
`materialize` turns an adjoint into a running sum before a branch or loop that
contributes to it; `container` is a root's adjoint container, updated in place.
"""
import ast

from . import containers
from .adjoints import ZERO, Accumulator, Filled, Masked, names_read
from .gradients import Gradients
from .simplify import number, sum_of


class AdjointLedger:
    """Mixed into ReverseTransform, which sets the attributes these methods read:
    trace, kinds, names, lean, rules (Contributions), roots, restored, out."""

    def is_active(self, operand):
        return self.trace.is_local(operand) and operand.id in self.activity

    def emit(self, statement):
        self.out.append(statement)

    def has_waiting(self, var):
        """Are contributions to var waiting to be written?"""
        return bool(self._acc(var).terms)

    def container(self, var):
        """The adjoint container of a root (an array or list adjoint updated in place)."""
        return ast.Name(self._name(self._acc(var)), ast.Load())

    def add(self, var, term):
        """Record one contribution to var's adjoint."""
        acc = self._acc(var)
        if acc.running or not self.lean or self.restored:
            term = self.rules.materialise(term)
        reads_restored = bool(self.restored) and bool(names_read(term) & self.restored)
        if reads_restored and isinstance(term, (ast.Name, ast.Subscript, ast.Attribute)):
            # `vec`, `vec[1:]`, `vec.T` name memory that a restore will change: copy it
            term = ast.Call(ast.Attribute(term, "copy", ast.Load()), [], [])
        if acc.running:
            name = self._name(acc)
            self.emit(assign(name, sum_of([ast.Name(name, ast.Load()), term])))
        elif not self.lean:
            self.emit(assign(self._name(acc), term))
            acc.running = True
        else:
            if reads_restored:
                # The term reads an array that an earlier write will restore: read it now.
                tmp = self.names.fresh("t")
                self.emit(assign(tmp, term))
                term = ast.Name(tmp, ast.Load())
            acc.terms.append(term)

    def finish(self, var, keep_mask=False):
        """The expression for var's complete adjoint (ZERO: no contribution), writing
        it if it needs a name. With `keep_mask` (var feeds an elementwise rule), an
        adjoint masked by one condition stays Masked and a Filled one stays Filled."""
        acc = self._acc(var)
        if acc.finished:
            return acc.value
        terms = acc.take_terms()
        lazy = self._lazy(acc, terms) if keep_mask and not acc.running else None
        if lazy is not None:
            acc.value = lazy
            return lazy
        terms = [self.rules.materialise(t) for t in terms]
        if acc.running:
            if terms:
                self._write(acc, [ast.Name(self._name(acc), ast.Load())] + terms)
            expr = ast.Name(self._name(acc), ast.Load())
        elif not terms:
            expr = ZERO
        elif len(terms) == 1 and _is_atom(terms[0]):
            expr = terms[0]
        elif len(terms) == 1 and _is_neg(terms[0]):
            # Keep the sign symbolic: the next rule usually cancels or absorbs it.
            name = self.names.fresh(f"{var}_bar_neg")
            kind = self.kinds.get(var)
            if var in self.trace.temps and kind is not None and kind.is_array:
                self.neg_names.add(name)
            self.emit(assign(name, terms[0].operand))
            expr = ast.UnaryOp(ast.USub(), ast.Name(name, ast.Load()))
        else:
            expr = self._write(acc, list(reversed(terms)))
        acc.value = expr
        return expr

    def materialize(self, var):
        """Make var's adjoint a variable holding the sum so far (a running sum)."""
        self._materialize(self._acc(var))

    def materialize_roots(self, names):
        for name in names:
            if name in self.roots and not self._acc(name).running:
                acc = self._acc(name)
                self.emit(assign(self._name(acc), containers.new_container(self, name)))
                acc.running = True

    def zero(self, var):
        return Gradients(self).zero(var, self.kinds.get(var))

    def _acc(self, var):
        acc = self.accumulators.get(var)
        if acc is None:
            acc = self.accumulators[var] = self._new_acc(var)
        return acc

    def _new_acc(self, var):
        acc = Accumulator(var)
        self.all_accumulators.append(acc)
        return acc

    def _name(self, acc):
        if acc.name is None:
            acc.name = self.names.fresh(f"{acc.var}_bar")
        return acc.name

    def _materialize(self, acc):
        if acc.running or acc.finished:
            return
        terms = [self.rules.materialise(t) for t in acc.take_terms()]
        if terms:
            self._write(acc, list(reversed(terms)))
        else:
            self.emit(assign(self._name(acc), self.zero(acc.var)))
        acc.running = True

    def _lazy(self, acc, terms):
        """A Masked adjoint with one condition, or a single Filled one, kept as it is."""
        if not self.lean or not terms:
            return None
        conditions = {ast.dump(t.cond) for t in terms if isinstance(t, Masked)}
        if len(conditions) == 1 and all(isinstance(t, Masked) for t in terms):
            values = [t.value for t in terms]
            value = values[0] if len(values) == 1 and _is_atom(values[0]) \
                else self._write(acc, list(reversed(values)))
            return Masked(terms[0].cond, value)
        if len(terms) == 1 and isinstance(terms[0], Filled):
            value = terms[0].value if _is_atom(terms[0].value) \
                else self._write(acc, [terms[0].value])
            return Filled(value, terms[0].shape, terms[0].dtype)
        return None

    def _sum_so_far(self, acc):
        """The adjoint as one expression, without writing it to a variable."""
        terms = [self.rules.materialise(t) for t in reversed(acc.take_terms())]
        if acc.running:
            terms.insert(0, ast.Name(self._name(acc), ast.Load()))
        return sum_of(terms) if terms else None

    def _write(self, acc, terms):
        name = self._name(acc)
        self.emit(assign(name, sum_of(terms)))
        return ast.Name(name, ast.Load())


def _is_atom(expr):
    """Names, negated names and numbers are substituted rather than given an adjoint
    variable; the signs then fold into the expressions that use them."""
    if _is_neg(expr) and isinstance(expr.operand, ast.Name):
        return True
    return isinstance(expr, (ast.Name, ast.Constant)) or number(expr) is not None


def _is_neg(expr):
    return isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub)


def assign(name, value):
    return ast.Assign([ast.Name(name, ast.Store())], value, lineno=0)

