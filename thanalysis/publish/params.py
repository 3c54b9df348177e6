"""Check a report's parameters against its notebook's ``parameters`` cell, before any kernel starts.

papermill only warns about an unknown parameter and never checks types, so a typo in a plan would
silently build a report on the default value. Here each notebook's cell tagged ``parameters`` is parsed
with :mod:`ast` (never executed) and each assignment gives a parameter with an expected type:

- from its annotation: ``area_code: str | None = None``, ``n: int = 5``, ``ids: list[str] = [...]``;
- else from a type comment: ``window_months = 24  # type: int``;
- else from its default: ``5`` → int, ``0.5`` → float (an int is accepted too), ``"x"`` → str,
  ``True`` → bool, ``["a"]`` → list of str, ``None`` → str or None.

A bool is never accepted as an int (YAML ``yes`` is a bool). Annotation names this module does not know
(``Path``, a class) accept anything: the check is there to catch mistakes, not to be a type checker.
"""
from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from thanalysis.errors import ConfigError

# A type is a small tuple tree: ("any",) ("none",) ("bool",) ("int",) ("float",) ("str",)
# ("list", elem) ("dict", key, value) ("union", (t, ...)) ("literal", (v, ...)).
AnyT = ("any",)
NoneT = ("none",)
_SCALARS = {"bool": ("bool",), "int": ("int",), "float": ("float",), "str": ("str",), "None": NoneT,
            "NoneType": NoneT, "Any": AnyT, "object": AnyT}
_LISTS = {"list", "List", "Sequence", "tuple", "Tuple", "set", "Set", "Iterable", "Collection"}
_DICTS = {"dict", "Dict", "Mapping"}


#: What ``nbformat.read`` raises for a damaged notebook file: not there or unreadable (OSError), not JSON or not
#: UTF-8 or an unknown version (ValueError), not a notebook's shape (nbformat.ValidationError), JSON of another
#: shape altogether, e.g. a list (AttributeError, TypeError).
NOTEBOOK_READ_ERRORS = (OSError, ValueError, nbformat.ValidationError, AttributeError, TypeError)


@dataclass(frozen=True)
class NotebookParameter:
    name: str
    expected: tuple
    source: str  # the line as written, e.g. "n: int = 5", quoted in messages
    default: Any = None
    help: str = ""


def parameters_cell(nb: nbformat.NotebookNode) -> tuple[int, nbformat.NotebookNode] | None:
    """(index, cell) of the first code cell tagged ``parameters``, or None."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "parameters" in (cell.get("metadata", {}).get("tags") or []):
            return i, cell
    return None


def notebook_parameters(nb_path: str | Path, *, shown: str | None = None) -> dict[str, NotebookParameter]:
    """The parameters declared in a notebook's ``parameters`` cell (empty if it has none)."""
    shown = shown or Path(nb_path).as_posix()
    try:
        nb = nbformat.read(str(nb_path), as_version=4)
    except FileNotFoundError:
        raise ConfigError(f"notebook {shown}: file not found") from None
    except NOTEBOOK_READ_ERRORS as exc:
        raise ConfigError(f"notebook {shown}: cannot be read as a notebook ({type(exc).__name__}: {exc})") from None
    found = parameters_cell(nb)
    if found is None:
        return {}
    return parse_parameters_source(found[1].source, shown=shown)


def parse_parameters_source(source: str, *, shown: str = "notebook") -> dict[str, NotebookParameter]:
    # IPython magics and shell escapes are not Python: blank them out (keeping line numbers).
    lines = source.splitlines()
    clean = "\n".join("" if ln.lstrip().startswith(("%", "!")) else ln for ln in lines)
    try:
        tree = ast.parse(clean, type_comments=True)
    except SyntaxError as exc:
        raise ConfigError(f"notebook {shown}: the parameters cell is not valid Python (line {exc.lineno}: {exc.msg})") from None
    comments = _comments_by_line(clean)
    out: dict[str, NotebookParameter] = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name, value, annotation = node.target.id, node.value, node.annotation
            type_comment = None
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name, value, annotation = node.targets[0].id, node.value, None
            type_comment = node.type_comment
        else:
            continue
        line = lines[node.lineno - 1].strip() if node.lineno - 1 < len(lines) else name
        help_text = comments.get(node.lineno, "")
        try:
            default = ast.literal_eval(value) if value is not None else None
            literal = value is not None
        except (ValueError, SyntaxError, TypeError):
            default, literal = None, False
        if annotation is not None:
            expected = type_from_annotation(annotation)
        elif type_comment:
            try:
                expected = type_from_annotation(ast.parse(type_comment, mode="eval").body)
            except SyntaxError:
                expected = type_from_default(default) if literal else AnyT
        else:
            expected = type_from_default(default) if literal else AnyT
        out[name] = NotebookParameter(name=name, expected=expected, source=line, default=default, help=help_text)
    return out


def _comments_by_line(source: str) -> dict[int, str]:
    """Trailing comments (the parameter's help text), by line number; a '#' inside a string is not one."""
    import io
    import tokenize

    found: dict[int, str] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                text = tok.string.lstrip("#").strip()
                if not text.startswith("type:"):
                    found[tok.start[0]] = text
    except (tokenize.TokenError, IndentationError):
        pass
    return found


def type_from_annotation(node: ast.AST) -> tuple:
    """Expected type from an annotation expression (``str | None``, ``list[str]``, ``Optional[int]``, ...)."""
    if isinstance(node, ast.Constant):
        if node.value is None:
            return NoneT
        if isinstance(node.value, str):  # a forward reference "str | None"
            try:
                return type_from_annotation(ast.parse(node.value, mode="eval").body)
            except SyntaxError:
                return AnyT
        return AnyT
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union(type_from_annotation(node.left), type_from_annotation(node.right))
    if isinstance(node, (ast.Name, ast.Attribute)):
        name = node.id if isinstance(node, ast.Name) else node.attr
        if name in _SCALARS:
            return _SCALARS[name]
        if name in _LISTS:
            return ("list", AnyT)
        if name in _DICTS:
            return ("dict", AnyT, AnyT)
        return AnyT
    if isinstance(node, ast.Subscript):
        base = node.value.id if isinstance(node.value, ast.Name) else getattr(node.value, "attr", "")
        args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if base == "Optional":
            return _union(type_from_annotation(args[0]), NoneT)
        if base == "Union":
            return _union(*[type_from_annotation(a) for a in args])
        if base == "Literal":
            values = []
            for a in args:
                try:
                    values.append(ast.literal_eval(a))
                except ValueError:
                    return AnyT
            return ("literal", tuple(values))
        if base in _LISTS:
            if base in {"tuple", "Tuple"}:
                elems = [type_from_annotation(a) for a in args if not (isinstance(a, ast.Constant) and a.value is Ellipsis)]
                return ("list", _union(*elems) if elems else AnyT)
            return ("list", type_from_annotation(args[0]))
        if base in _DICTS and len(args) == 2:
            return ("dict", type_from_annotation(args[0]), type_from_annotation(args[1]))
        return AnyT
    return AnyT


def type_from_default(value: Any) -> tuple:
    """Expected type inferred from a literal default."""
    if value is None:
        return _union(("str",), NoneT)  # "None means: use the store's default" – a code or name is text
    if isinstance(value, bool):
        return ("bool",)
    if isinstance(value, int):
        return ("int",)
    if isinstance(value, float):
        return ("float",)
    if isinstance(value, str):
        return ("str",)
    if isinstance(value, (list, tuple, set)):
        elems = [type_from_default(v) if v is not None else NoneT for v in value]
        return ("list", _union(*elems) if elems else AnyT)
    if isinstance(value, dict):
        return ("dict", AnyT, AnyT)
    return AnyT


def _union(*types: tuple) -> tuple:
    flat: list[tuple] = []
    for t in types:
        for member in (t[1] if t[0] == "union" else (t,)):
            if member == AnyT:
                return AnyT
            if member not in flat:
                flat.append(member)
    return flat[0] if len(flat) == 1 else ("union", tuple(flat))


def accepts(expected: tuple, value: Any) -> bool:
    kind = expected[0]
    if kind == "any":
        return True
    if kind == "none":
        return value is None
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "str":
        return isinstance(value, str)
    if kind == "list":
        return isinstance(value, (list, tuple)) and all(accepts(expected[1], v) for v in value)
    if kind == "dict":
        return isinstance(value, dict) and all(accepts(expected[1], k) and accepts(expected[2], v) for k, v in value.items())
    if kind == "union":
        return any(accepts(t, value) for t in expected[1])
    if kind == "literal":
        return any(value == v and type(value) is type(v) for v in expected[1])
    return True


def describe(expected: tuple) -> str:
    """A type as a person reads it: ``str or None``, ``list of str``."""
    kind = expected[0]
    if kind == "any":
        return "any value"
    if kind == "none":
        return "None"
    if kind in {"bool", "int", "str"}:
        return kind
    if kind == "float":
        return "float (a number)"
    if kind == "list":
        return "list" if expected[1] == AnyT else f"list of {describe(expected[1])}"
    if kind == "dict":
        return "mapping"
    if kind == "union":
        return " or ".join(describe(t) for t in expected[1])
    if kind == "literal":
        return "one of " + ", ".join(repr(v) for v in expected[1])
    return kind


def _type_name(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, (list, tuple)) and value:
        inner = sorted({_type_name(v) for v in value})
        return f"list of {' and '.join(inner)}"
    return type(value).__name__


def check_parameters(nb_path: str | Path, parameters: dict[str, Any], *, shown: str | None = None,
                     report: str | None = None) -> dict[str, NotebookParameter]:
    """Raise ConfigError if ``parameters`` name an unknown parameter or give a value of the wrong type.

    The message names the notebook, the report, the parameter and the expected type.
    """
    shown = shown or Path(nb_path).as_posix()
    declared = notebook_parameters(nb_path, shown=shown)
    who = f"notebook {shown}" + (f" (report {report!r})" if report else "")
    if parameters and not declared:
        raise ConfigError(f"{who}: has no cell tagged 'parameters', so it cannot take the parameters "
                          f"{', '.join(sorted(parameters))}")
    problems: list[str] = []
    for name, value in parameters.items():
        if name not in declared:
            close = difflib.get_close_matches(name, list(declared), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(f"unknown parameter {name!r}{hint} (the notebook's parameters are: "
                            f"{', '.join(declared) or 'none'})")
            continue
        p = declared[name]
        if not accepts(p.expected, value):
            problems.append(f"parameter {name!r} must be {describe(p.expected)} (declared as `{p.source}`), "
                            f"got {value!r} ({_type_name(value)})")
    if problems:
        raise ConfigError(f"{who}: " + ("\n  ".join([problems[0]] + problems[1:]) if len(problems) > 1 else problems[0]))
    return declared
