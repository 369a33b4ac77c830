"""Template CSS checked with a real CSS tokenizer (tinycss2), so escapes cannot hide anything.

A regular expression over the raw text misses what a browser decodes: `\\75rl(` is `url(` and
`@\\69mport` is `@import` to a browser. tinycss2 decodes escapes exactly as CSS Syntax Level 3
says, so the checks below see the names a browser would. Pages load nothing from elsewhere:
no URLs of any kind, no imports or web fonts, no expressions or bindings, no markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from config.lazy import lazy_module

if TYPE_CHECKING:
    import tinycss2
    from tinycss2 import ast
else:  # tinycss2 only when CSS is checked
    tinycss2 = lazy_module("tinycss2")
    ast = lazy_module("tinycss2.ast")

# At-rules that only group or condition rules; every other one (@import, @font-face, @namespace,
# unknown vendor rules) could load something or is not needed in a product page.
_ALLOWED_AT_RULES = {"media", "supports", "keyframes", "-webkit-keyframes", "container", "layer"}
# Functions that fetch a resource (or run script in old browsers).
_LOADING_FUNCTIONS = {
    "url",
    "src",
    "image",
    "image-set",
    "-webkit-image-set",
    "cross-fade",
    "-webkit-cross-fade",
    "element",
    "-moz-element",
    "expression",
    "paint",
}
_SCRIPT_PROPERTIES = {"behavior", "-ms-behavior", "-moz-binding"}
_SCRIPT_SCHEMES = ("javascript:", "vbscript:")


def css_problems(css: str) -> list[str]:
    """What in `css` (a stylesheet or a style attribute's declarations) could load or run
    something, as short names of the constructs ('url(', '@import', …); [] when it is safe."""
    problems: list[str] = []
    if "<" in css:
        problems.append("<")  # would end a <style> element early, or open markup
    _walk(tinycss2.parse_component_value_list(css, skip_comments=True), problems)
    return list(dict.fromkeys(problems))


def _walk(nodes, problems: list[str]) -> None:
    for node in nodes:
        if isinstance(node, ast.ParseError):
            problems.append(f"invalid CSS ({node.message})")
        elif isinstance(node, ast.AtKeywordToken):
            if node.lower_value not in _ALLOWED_AT_RULES:
                problems.append(f"@{node.lower_value}")
        elif isinstance(node, ast.URLToken):
            problems.append("url(")
        elif isinstance(node, ast.FunctionBlock):
            if node.lower_name in _LOADING_FUNCTIONS:
                problems.append(f"{node.lower_name}(")
            _walk(node.arguments, problems)
        elif isinstance(node, (ast.ParenthesesBlock, ast.SquareBracketsBlock, ast.CurlyBracketsBlock)):
            _walk(node.content, problems)
        elif isinstance(node, ast.IdentToken):
            if node.lower_value in _SCRIPT_PROPERTIES:
                problems.append(node.lower_value)
        elif isinstance(node, ast.StringToken) and node.value.strip().lower().startswith(_SCRIPT_SCHEMES):
            problems.append(node.value.strip().split(":", 1)[0].lower() + ":")


def css_is_safe(css: str) -> bool:
    return not css_problems(css)
