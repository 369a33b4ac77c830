"""The whole page: assembling rendered blocks into one standalone document, sanitised with nh3.

Second line of defence after the templates' own escaping: whatever a block contains, the page
keeps no script, no event handler and no javascript:/data: URL, and its CSS loads nothing.
"""

from __future__ import annotations

import functools
import html
import re
from typing import TYPE_CHECKING

from config.lazy import lazy_module
from templates_app.css import css_is_safe

if TYPE_CHECKING:
    import nh3
else:  # nh3 only when a page is assembled (a web worker mostly serves polls and lists)
    nh3 = lazy_module("nh3")

_PAGE_TAGS = {
    "section",
    "div",
    "span",
    "header",
    "footer",
    "article",
    "aside",
    "main",
    "nav",
    "figure",
    "figcaption",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "br",
    "hr",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "caption",
    "colgroup",
    "col",
    "img",
    "picture",
    "a",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "s",
    "small",
    "mark",
    "sub",
    "sup",
    "blockquote",
    "q",
    "cite",
    "code",
    "pre",
    "details",
    "summary",
    "time",
    "abbr",
    "del",
    "ins",
}
_STYLE_PROPERTIES = {
    "align-items",
    "align-self",
    "aspect-ratio",
    "background",
    "background-color",
    "border",
    "border-bottom",
    "border-color",
    "border-left",
    "border-radius",
    "border-right",
    "border-top",
    "box-shadow",
    "color",
    "column-gap",
    "display",
    "flex",
    "flex-direction",
    "flex-wrap",
    "font-family",
    "font-size",
    "font-style",
    "font-weight",
    "gap",
    "grid-column",
    "grid-template-columns",
    "height",
    "justify-content",
    "letter-spacing",
    "line-height",
    "margin",
    "margin-bottom",
    "margin-left",
    "margin-right",
    "margin-top",
    "max-width",
    "min-height",
    "object-fit",
    "opacity",
    "padding",
    "padding-bottom",
    "padding-left",
    "padding-right",
    "padding-top",
    "text-align",
    "text-decoration",
    "text-transform",
    "width",
}


@functools.cache
def page_cleaner() -> nh3.Cleaner:
    """The page sanitiser, built on first use."""
    return nh3.Cleaner(
        tags=_PAGE_TAGS,
        clean_content_tags={
            "script",
            "style",
            "template",
            "noscript",
            "iframe",
            "object",
            "embed",
            "svg",
            "math",
        },
        attributes={
            "*": {"class", "style", "lang", "dir", "title", "role"},
            "a": {"href", "target"},
            "img": {"src", "alt", "width", "height", "loading", "decoding"},
            "td": {"colspan", "rowspan"},
            "th": {"colspan", "rowspan", "scope"},
            "ol": {"start", "reversed"},
            "details": {"open"},
            "time": {"datetime"},
        },
        generic_attribute_prefixes={"aria-"},
        url_schemes={"http", "https", "mailto", "tel"},
        filter_style_properties=_STYLE_PROPERTIES,
        strip_comments=True,
        # nh3 keeps allowed properties whatever their value: a style that could load something goes.
        attribute_filter=lambda element, attribute, value: (
            value if attribute != "style" or css_is_safe(value) else None
        ),
    )


_STYLE_ELEMENT = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.IGNORECASE | re.DOTALL)
_LANGUAGE = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8}){0,3}$")
_RTL = {"ar", "fa", "he", "ur"}

BASE_CSS = """
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:#eceae6;color:#1f2328;line-height:1.65;word-break:keep-all;overflow-wrap:anywhere;
font-family:"Pretendard","Apple SD Gothic Neo","Noto Sans KR","Noto Sans CJK KR","Malgun Gothic",
-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans JP","Noto Sans SC",
sans-serif}
img{max-width:100%;height:auto;display:block}
h1,h2,h3,h4,p,ul,ol,dl,figure,blockquote,table{margin:0}
.pp-page{max-width:960px;margin:0 auto;background:#fff;
box-shadow:0 0 0 1px rgba(0,0,0,.04),0 12px 48px rgba(0,0,0,.06)}
@media (max-width:960px){.pp-page{box-shadow:none}}
@media print{body{background:#fff}.pp-page{box-shadow:none;max-width:none}}
"""


def _css_clean(css: str) -> str:
    """Template CSS, or nothing when anything in it could load or run something (the checks at
    save time refuse such CSS already; this is the second line)."""
    return css if css_is_safe(css) else ""


def page_assemble(*, blocks_html: list[str], title: str, language: str) -> str:
    """A complete standalone HTML document from rendered blocks, sanitised with nh3.

    Blocks' <style> elements are hoisted into <head> (deduplicated, CSS cleaned); the body is
    cleaned with an allowlist: no script, no event handlers, no javascript:/data: URLs. A CSP
    meta tag forbids scripts as a third line should anything slip through."""
    styles: list[str] = []
    bodies: list[str] = []
    for block in blocks_html:
        for css in _STYLE_ELEMENT.findall(block):
            css = _css_clean(css.strip())
            if css and css not in styles:
                styles.append(css)
        bodies.append(_STYLE_ELEMENT.sub("", block))
    body = page_cleaner().clean("\n".join(bodies))
    lang = language if _LANGUAGE.match(language or "") else "und"
    direction = "rtl" if lang.split("-")[0].lower() in _RTL else "ltr"
    css = "\n".join(styles)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html.escape(lang)}" dir="{direction}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "img-src 'self' https: data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">\n"
        '<meta name="generator" content="PPL Studio">\n'
        f"<title>{html.escape(title or '')}</title>\n"
        f"<style>{BASE_CSS}</style>\n<style>\n{css}\n</style>\n</head>\n"
        f'<body>\n<main class="pp-page">\n{body}\n</main>\n</body>\n</html>\n'
    )
