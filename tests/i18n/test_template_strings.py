"""Every word a person reads in a template is marked for translation.

Each template is tokenised with Django's own lexer; what sits inside {% translate %},
{% blocktranslate %} and {% comment %} is dropped, tags and variables become a neutral mark,
and what is left is read as HTML: its text and its visible attributes (title, alt,
placeholder, aria-label) must hold no word. Brand and unit names are the only exceptions.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
VISIBLE_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description"}
# Names that stay the same in every language (brand, units, analyte symbols).
UNTRANSLATED = {
    "Cofactor", "ng", "mL", "nmol", "mmol", "mg", "dL", "pg", "pmol", "µg", "IU", "OH", "PTH",
    "D3", "K2", "B6", "CSV", "FHIR", "JSON", "TOTP", "Mg", "RBC", "PMID", "doi", "LOINC",
}  # fmt: skip
WORD = re.compile(r"[^\W\d_]{2,}")
MARK = "\x00"


def _untranslated_text(source: str) -> str:
    """The template with translated blocks, comments, tags and variables taken out."""
    parts, skip_until = [], None
    for token in Lexer(source).tokenize():
        content = (token.contents.split(maxsplit=1) or [""])[0]
        if skip_until:
            if token.token_type is TokenType.BLOCK and content == skip_until:
                skip_until = None
            continue
        if token.token_type is TokenType.TEXT:
            parts.append(token.contents)
            continue
        if token.token_type is TokenType.BLOCK and content in {"blocktranslate", "blocktrans"}:
            skip_until = "end" + content
        elif token.token_type is TokenType.BLOCK and content == "comment":
            skip_until = "endcomment"
        parts.append(MARK)
    return "".join(parts)


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self._hidden += 1
        self.chunks += [value or "" for name, value in attrs if name in VISIBLE_ATTRIBUTES]

    def handle_endtag(self, tag):
        if tag in {"script", "style"}:
            self._hidden = max(0, self._hidden - 1)

    def handle_data(self, data):
        if not self._hidden:
            self.chunks.append(data)


def unmarked_words(source: str, *, html: bool) -> list[str]:
    # A tag whose name is a template expression (`<{% if href %}a{% else %}button{% endif %}`)
    # is still a tag.
    text = re.sub(f"<(/?){MARK}", r"<\1x", _untranslated_text(source))
    if html:
        parser = _VisibleText()
        parser.feed(text)
        parser.close()
        text = " ".join(parser.chunks)
    return [word for word in WORD.findall(text.replace(MARK, " ")) if word not in UNTRANSLATED]


def _templates() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.suffix in {".html", ".txt"})


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_every_visible_word_is_marked_for_translation(path):
    words = unmarked_words(path.read_text(), html=path.suffix == ".html")
    assert words == [], f"{path.relative_to(TEMPLATES)}: not marked for translation: {words}"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("<p>Hello</p>", ["Hello"], id="bare-text"),
        pytest.param('<a title="Open it">{% translate "x" %}</a>', ["Open", "it"], id="title"),
        pytest.param("<p>{% translate 'Hello' %}</p>", [], id="translate"),
        pytest.param(
            "{% blocktranslate %}Hi {{ n }}{% endblocktranslate %} there", ["there"], id="block"
        ),
        pytest.param("{% comment %}Note to self{% endcomment %}", [], id="comment"),
        pytest.param("<script>var words = 1;</script>", [], id="script"),
        pytest.param("<p>{{ value }} ng/mL · Cofactor</p>", [], id="units-and-brand"),
        pytest.param('<p class="text-muted small">{{ x }}</p>', [], id="attributes-not-shown"),
    ],
)
def test_the_checker_finds_bare_words(source, expected):
    assert unmarked_words(source, html=True) == expected
