"""A structural guard for escaping by type: answers never format typed text into copy.

Every answer that shows something a person typed carries it as a `UserText` span (see
`tests/core/test_hostile_input.py` for the behaviour). This test keeps the code honest: in the
core, an f-string given to a refusal or a reply (`InputError`, `CommandError`, `error`,
`reply`, `Rejected`) may only format numbers and constants (and parameters annotated as
numbers), never a variable that could hold typed text. A new exception must be reviewed and
listed here.
"""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[2] / "bot"
ANSWERS = {"InputError", "CommandError", "error", "reply", "Rejected"}
# Formatted names that hold only the bot's own words (reviewed): (file, name).
REVIEWED = {
    ("text.py", "what"),  # check_length's subject: "That message", "Your note", …
    ("commands.py", "name"),  # a subcommand name from the parser's own table
}


def _formatted(node: ast.AST) -> list[ast.expr]:
    return [v.value for v in ast.walk(node) if isinstance(v, ast.FormattedValue)]


def _harmless(expr: ast.expr, file: str, numbers: set[str] | None = None) -> bool:
    """A number, a constant, len(…), a join of constants, a number parameter, a reviewed name."""
    if isinstance(expr, ast.Constant):
        return True
    if isinstance(expr, ast.Name):
        return expr.id.isupper() or expr.id in (numbers or ()) or (file, expr.id) in REVIEWED
    if isinstance(expr, ast.Call):
        func = expr.func
        if isinstance(func, ast.Name) and func.id == "len":
            return True
        if isinstance(func, ast.Attribute) and func.attr == "join":
            return all(_harmless(a, file, numbers) for a in expr.args)
    return False


def _callee(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _number_params(function: ast.AST) -> set[str]:
    if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
        return set()
    args = [*function.args.args, *function.args.kwonlyargs]
    return {
        a.arg
        for a in args
        if a.annotation is not None and ast.unparse(a.annotation) in {"int", "float"}
    }


def _enclosing_numbers(tree: ast.AST) -> dict[ast.AST, set[str]]:
    """Each call → the number parameters of the function it sits in."""
    out: dict[ast.AST, set[str]] = {}
    for function in ast.walk(tree):
        numbers = _number_params(function)
        for node in ast.walk(function):
            if isinstance(node, ast.Call):
                out.setdefault(node, set()).update(numbers)  # outer functions first
    return out


def test_answers_format_no_typed_text_into_copy() -> None:
    offenders = []
    for path in sorted(BOT.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        numbers = _enclosing_numbers(tree)
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            if _callee(call) not in ANSWERS:
                continue
            for arg in [*call.args, *(k.value for k in call.keywords)]:
                for expr in _formatted(arg):
                    if not _harmless(expr, path.name, numbers.get(call, set())):
                        where = f"{path.relative_to(BOT.parent)}:{call.lineno}"
                        offenders.append(f"{where}: {ast.unparse(expr)}")
    assert not offenders, "typed text formatted into copy (use UserText):\n" + "\n".join(offenders)


def test_the_guard_sees_an_offender() -> None:
    bad = ast.parse('raise InputError(f"no zone {value}")')
    call = next(n for n in ast.walk(bad) if isinstance(n, ast.Call))
    assert [ast.unparse(e) for e in _formatted(call)] == ["value"]
    assert not _harmless(_formatted(call)[0], "x.py")
