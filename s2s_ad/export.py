"""`export`: a gradient as a standalone Python module that needs numpy, not s2s_ad.

The compiled gradient is ordinary Python whose free names resolve in a namespace made
of the user's globals and closure, the modules rule templates name, and s2s_ad's
runtime helpers. Exporting writes that namespace out as module-level code, but only
the names the gradient (and, transitively, whatever it inlines) actually reads:

- modules: `import numpy as np`; user modules are imported by their module path;
- numbers, strings, tuples and NumPy arrays: literals (arrays exact, from their bytes);
- s2s_ad's runtime helpers and the user's own plain functions: their source, inlined,
  with the names *they* read resolved the same way;
- library functions and classes: `from module import name`.

Anything else (an object of the user's own class, a function defined interactively)
is refused with the file and line of the function and the name of the value.
"""
import ast
import base64
import builtins
import importlib
import inspect
import math
import symtable
import sys
import textwrap
import types

import numpy as np

from .dependencies import is_library
from .errors import TranslationError, UsageValueError
from .kinds import kind_of
from .source_text import Source

_MODES = ("grad", "value_and_grad")


def export(fun, *example_args, argnums=0, mode=None, has_aux=False):
    """The source of a module defining the gradient of `fun` for arguments like
    `example_args`, under the name `.source` uses (`f_grad`, `f_value_and_grad`). The
    module imports numpy, math and the standard library (and the user's own modules
    where the gradient reads them); s2s_ad is not needed to run it.

    `mode` is "grad" (the default) or "value_and_grad". `fun` may also be a function
    that grad/value_and_grad returned: its own argnums and mode are exported."""
    from . import __version__
    from .api import grad, value_and_grad
    if mode not in _MODES + (None,):
        raise UsageValueError(f"mode={mode!r}: expected one of {', '.join(_MODES)}")
    if hasattr(fun, "_s2s_compiler"):
        transformed = fun
        own = "value_and_grad" if fun._s2s_compiler.with_value else "grad"
        if mode not in (None, own):
            raise UsageValueError(f"mode={mode!r}, but {fun.__name__} was made by {own}: "
                                  "export the plain function instead")
    else:
        transform = value_and_grad if mode == "value_and_grad" else grad
        transformed = transform(fun, argnums=argnums, has_aux=has_aux)
    transformed._s2s_revalidate()
    compiled = transformed.compile(*example_args)
    if not hasattr(compiled, "__globals__"):        # api_trees.TreeDispatch
        raise UsageValueError(
            "export takes numbers and arrays as arguments, not parameter trees (lists, "
            "tuples, dicts, NamedTuples): export a function of the leaves, such as "
            "def loss_flat(W1, b1, W2, b2, x): return loss([(W1, b1), (W2, b2)], x)")
    function = getattr(compiled, "__wrapped__", compiled)
    compiler = transformed._s2s_compiler
    source = transformed.source
    module = _ModuleWriter(compiler.parsed)
    module.resolve_code(source, function.__globals__, where=None)
    header = _header(compiler, example_args, function.__name__, __version__,
                     getattr(compiled, "assumes", {}))
    return Source(header + module.text() + "\n\n" + source)


def _header(compiler, args, name, version, assumes):
    """The module docstring and comments: where the gradient comes from and which
    arguments it is right for. `assumes` holds the int arguments whose values decide
    shapes (by_value.py): the code is only right for those values."""
    parsed = compiler.parsed
    params = compiler.params
    signature = "\n".join(
        f"#   {p}: {kind_of(a).describe()}" + (
            f", and only {p} = {assumes[p]!r} (shapes follow its value: export again "
            "for another)" if p in assumes else "")
        for p, a in zip(params, args))
    wrt = ", ".join(compiler.wrt)
    if compiler.with_value:
        outputs = f"(value, gradient with respect to {wrt})"
    else:
        outputs = f"the gradient with respect to {wrt}"
    if compiler.has_aux:
        outputs += ", with the auxiliary output passed through"
    return (f'"""Gradient of {parsed.fun.__qualname__}, exported by s2s_ad {version}."""\n'
            f"# Source: {parsed.filename}:{parsed.node.lineno}, function "
            f"{parsed.fun.__qualname__}\n"
            f"# Specialised for arguments like:\n{signature}\n"
            f"# Active inputs: {wrt}; output: the scalar {parsed.fun.__name__}(...)\n"
            f"# {name}(...) returns {outputs}.\n"
            "# Generated code: call it only with arguments of these kinds.\n")


class _ModuleWriter:
    """Collects the module-level definitions a piece of code needs, in order."""

    def __init__(self, parsed):
        self.parsed = parsed
        self.bound = {}             # name -> the object it must denote
        self.imports = []           # lines
        self.constants = []
        self.functions = []         # (source text)
        self.defined = {}           # id(function) -> the name its def uses

    def text(self):
        parts = ["\n".join(self.imports), "\n".join(self.constants)]
        parts += [f.rstrip() for f in self.functions]
        return "\n\n\n".join(p for p in parts if p) + "\n"

    # -- what a piece of code reads --------------------------------------------------------

    def resolve_code(self, source, scope, where):
        """Bind every global name `source` (a module-level def) reads, as it is bound
        in `scope` (a globals dict, or the compiler's namespace)."""
        for name in sorted(_global_reads(source)):
            if name in scope:
                self.bind(name, scope[name], where)
            elif hasattr(builtins, name):
                continue                # a builtin the module sees too
            else:
                raise self._refuse(f"the gradient reads `{name}`, which is not bound "
                                   f"(define it before exporting)")

    def bind(self, name, value, where):
        if name in self.bound:
            if self.bound[name] is value or _same(self.bound[name], value):
                return
            raise self._refuse(f"`{name}` means two different values in the exported "
                               f"code ({where or 'the gradient'} and an inlined helper "
                               f"disagree); rename one of them")
        if isinstance(value, types.ModuleType) or value is np:
            self.bound[name] = value
            self.imports.append(_import_module(value, name, self))
            return
        if getattr(builtins, name, _MISSING) is value:
            return                  # the builtin itself: nothing to write
        literal = self._literal(value)
        if literal is not None:
            self.bound[name] = value
            self.constants.append(f"{name} = {literal}")
            return
        if callable(value):         # functions, classes, ufuncs
            self.bound[name] = value
            self._function(name, value, where)
            return
        raise self._refuse(f"cannot write `{name}` (a {type(value).__name__}) into a "
                           "standalone module; pass it as an argument instead")

    # -- functions ---------------------------------------------------------------------------

    def _function(self, name, value, where):
        if id(value) in self.defined:
            self.constants.append(f"{name} = {self.defined[id(value)]}")
            return
        builtin = getattr(builtins, getattr(value, "__name__", ""), _MISSING)
        if builtin is value:
            b = self.module_name(builtins)
            self.constants.append(f"{name} = {b}.{value.__name__}")
            return
        if isinstance(value, (types.FunctionType, type)) and _is_s2s_ad(value):
            self._inline(name, value)       # runtime helpers: the module must not
            return                          # need s2s_ad
        if isinstance(value, types.FunctionType) and not is_library(value):
            # the user's own functions: their source makes the module standalone;
            # one without source may still be imported by its module path.
            if not _importable(value):
                self._inline(name, value)
                return
            try:
                self._inline(name, value)
                return
            except TranslationError:
                pass
        found = _import_path(value)
        if found is None:
            raise self._refuse(f"cannot export `{name}` ({value!r}): it is neither "
                               "importable nor a plain function with source")
        module, attr = found
        alias = "" if attr == name else f" as {name}"
        self.imports.append(f"from {module} import {attr}{alias}")
        self.defined[id(value)] = name

    def _inline(self, name, fun):
        """Write the def of a plain function (an s2s_ad runtime helper or the user's
        own helper) and bind what it reads."""
        if getattr(fun, "__closure__", None):
            raise self._refuse(f"cannot inline `{name}`: it is a closure; define it at "
                               "module level so the exported module can contain it")
        try:
            text = textwrap.dedent(inspect.getsource(fun))
        except (OSError, TypeError):
            raise self._refuse(f"cannot inline `{name}`: its source is not available "
                               "(defined interactively?); put it in a file") from None
        tree = ast.parse(text)
        node = tree.body[0] if tree.body else None
        if not isinstance(node, (ast.FunctionDef, ast.ClassDef)) \
                or node.name != fun.__name__ or node.decorator_list:
            raise self._refuse(f"cannot inline `{name}`: its source is not a plain "
                               "`def` (a lambda or a decorated function); import it "
                               "from a module instead")
        if name != fun.__name__:
            if fun.__name__ in _global_reads(text):
                raise self._refuse(f"cannot inline `{name}` under another name: it "
                                   "calls itself")
            node.name = name
            text = _rename_def(text, fun.__name__, name, isinstance(node, ast.ClassDef))
        self.defined[id(fun)] = name
        self.functions.append(text.rstrip() + "\n")
        scope = fun.__globals__ if isinstance(fun, types.FunctionType) else \
            vars(sys.modules[fun.__module__])
        self.resolve_code(text, scope, where=f"`{name}`")

    def module_name(self, module):
        """A module-level name bound to `module`, importing it if need be."""
        for n, v in self.bound.items():
            if v is module:
                return n
        base = {"numpy": "np"}.get(module.__name__, module.__name__.rpartition(".")[2])
        name = base
        k = 1
        while name in self.bound:
            name, k = f"{base}_{k}", k + 1
        self.bind(name, module, None)
        return name

    # -- values --------------------------------------------------------------------------------

    def _literal(self, value):
        """Python source for an immutable number, string, tuple or an array; None if
        `value` is none of these."""
        if value is None or isinstance(value, (bool, int, str, bytes)):
            return repr(value)
        if isinstance(value, float):
            if math.isfinite(value):
                return repr(value)
            m = self.module_name(math)
            return f"-{m}.inf" if value == -math.inf else (
                f"{m}.inf" if value == math.inf else f"{m}.nan")
        if isinstance(value, complex):
            return f"complex({self._literal(value.real)}, {self._literal(value.imag)})"
        if isinstance(value, tuple):
            items = [self._literal(v) for v in value]
            if any(i is None for i in items):
                return None
            return f"({', '.join(items)}{',' if len(items) == 1 else ''})"
        if isinstance(value, np.dtype):
            return f"{self.module_name(np)}.dtype({value.str!r})"
        if isinstance(value, (np.ndarray, np.generic)):
            return self._array(value)
        return None

    def _array(self, value):
        a = np.asarray(value)
        if a.dtype.hasobject or a.dtype.fields is not None:
            return None
        n = self.module_name(np)
        if isinstance(value, np.generic):
            return f"{n}.dtype({a.dtype.str!r}).type({self._array(a)}[()])"
        if a.size <= 16 and a.dtype.kind in "biu" or (
                a.size <= 16 and a.dtype.kind == "f" and np.isfinite(a).all()):
            return f"{n}.array({a.tolist()!r}, dtype={a.dtype.str!r})"
        data = base64.b64encode(np.ascontiguousarray(a).tobytes()).decode()
        b = self.module_name(base64)
        return (f"{n}.frombuffer({b}.b64decode({data!r}), dtype={a.dtype.str!r})"
                f".reshape({a.shape!r}).copy()")

    def _refuse(self, message):
        parsed = self.parsed
        return TranslationError(f"export: {message}", parsed.loc(parsed.node))


_MISSING = object()


def _is_s2s_ad(obj):
    if isinstance(obj, type):
        return (obj.__module__ or "").partition(".")[0] == "s2s_ad"
    import s2s_ad
    root = s2s_ad.__file__.rpartition("/")[0] + "/"
    return obj.__code__.co_filename.startswith(root)


def _same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, True)
    try:
        return bool(a == b)
    except Exception:
        return False


def _global_reads(source):
    """The global names a module-level piece of code reads: in its functions' bodies
    (symtable's view, which knows locals and nested scopes) and at module level (the
    defaults of its parameters)."""
    table = symtable.symtable(source, "<export>", "exec")
    names = set()

    def visit(t):
        for child in t.get_children():
            if child.get_type() == "function":
                names.update(s for s in child.get_globals())
            visit(child)

    visit(table)
    defined = {c.get_name() for c in table.get_children()}
    names.update(s.get_name() for s in table.get_symbols()
                 if s.is_referenced() and s.get_name() not in defined)
    return names


def _rename_def(text, old, new, is_class=False):
    keyword = "class" if is_class else "def"
    head, sep, rest = text.partition(f"{keyword} {old}")
    return f"{head}{keyword} {new}{rest}" if sep else text


def _import_module(module, name, writer):
    path = module.__name__
    if path == "__main__":
        raise writer._refuse(f"`{name}` is the __main__ module, which another process "
                             "cannot import")
    if "." not in path:
        return f"import {path}" if path == name else f"import {path} as {name}"
    parent, _, leaf = path.rpartition(".")
    return f"from {parent} import {leaf}" + ("" if leaf == name else f" as {name}")


def _importable(fun):
    """Can another process get `fun` by `from module import name`? (Not a __main__
    function nor one from a file loaded outside sys.path, as the CLI does.)"""
    found = _import_path(fun)
    if found is None:
        return False
    module = sys.modules.get(found[0])
    spec = getattr(module, "__spec__", None)
    if found[0] == "__main__" or spec is None:
        return False
    try:
        return importlib.util.find_spec(found[0]) is not None
    except (ImportError, ValueError):
        return False


def _import_path(value):
    """(module path, attribute) such that importing gives `value`, else None."""
    name = getattr(value, "__name__", None)
    homes = [getattr(value, "__module__", None), "numpy", "math"]
    for home in homes:
        if not isinstance(home, str) or home == "__main__":
            continue
        module = sys.modules.get(home)
        if module is not None and isinstance(name, str) and \
                getattr(module, name, _MISSING) is value:
            # the public module that re-exports it, when there is one
            top = sys.modules.get(home.split(".")[0])
            if home.startswith("numpy") and getattr(np, name, _MISSING) is value:
                return "numpy", name
            if top is not None and top is not module and \
                    getattr(top, name, _MISSING) is value and not home.startswith("s2s_ad"):
                return top.__name__, name
            return home, name
    home = getattr(value, "__module__", None)
    module = sys.modules.get(home) if isinstance(home, str) and home != "__main__" else None
    if module is not None:          # a lambda, or a function bound under another name
        for attr, v in vars(module).items():
            if v is value and attr.isidentifier():
                return home, attr
    return None
