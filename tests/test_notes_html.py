"""Show notes as HTML: what the sanitizer leaves is made valid, and the feed's copy gets absolute
addresses, without a word of the notes changed."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st
from lxml import html

from podcaster.render import notes_html

BASE = "https://example.org/episodes/talk/"
# What nh3 before 0.3.7 writes: "<" and ">" left as they are inside attribute values.
OLDER_SANITIZER_OUTPUT = (
    '<p><a title="a>b" rel="x">a link with no address</a> <img title="x>y" src="p.jpg">'
    ' <img src="q.jpg" alt="a <b> c"> <abbr title="<a>">HTML</abbr>'
    ' <a title="</a>" href="page.html">a page</a> <code>&lt;a href="x.html"&gt;</code></p>'
)


def test_what_an_older_sanitizer_leaves_in_attribute_values_is_skipped_whole():
    assert notes_html._made_valid(OLDER_SANITIZER_OUTPUT) == (
        '<p>a link with no address <img alt="" title="x>y" src="p.jpg">'
        ' <img src="q.jpg" alt="a <b> c"> <abbr title="<a>">HTML</abbr>'
        ' <a title="</a>" href="page.html">a page</a> <code>&lt;a href="x.html"&gt;</code></p>'
    )
    absolute = notes_html.with_absolute_urls(OLDER_SANITIZER_OUTPUT, BASE)
    assert f'src="{BASE}p.jpg"' in absolute and f'src="{BASE}q.jpg"' in absolute
    assert f'title="</a>" href="{BASE}page.html"' in absolute
    assert '<code>&lt;a href="x.html"&gt;</code>' in absolute  # an example in text stays text


def test_addresses_with_a_scheme_stay_as_they_are_and_a_fragment_leads_to_the_page():
    notes = '<p><a href="https://a.org/">a</a> <a href="mailto:x@y.org">m</a></p>'
    assert notes_html.with_absolute_urls(notes, BASE) == notes
    # An item has no page of its own: "#part" would be resolved against the feed's address.
    assert notes_html.with_absolute_urls('<a href="#part">p</a>', BASE) == f'<a href="{BASE}#part">p</a>'
    assert notes_html.with_absolute_urls('<a href="../other/">o</a>', BASE) == \
        '<a href="https://example.org/episodes/other/">o</a>'


def _text(fragment: str) -> str:
    return _parsed(fragment).text_content()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list('<>/"\'= \n#:.ahrefsrcimgbtlp[]()!`*-_1')
                                + ["<a ", "<img ", "</a>", "<abbr ", "href=", "src=", "title=", "javascript:"]),
                max_size=40).map("".join))
def test_no_word_of_any_notes_is_lost_or_changed(notes):
    sanitized = notes_html._sanitized(notes)
    made_valid = notes_html._made_valid(sanitized)
    assert _text(made_valid) == _text(sanitized)
    assert _links(made_valid) == _links(sanitized)  # each link with an address keeps it and its text
    assert all(link.get("href") is not None for link in _parsed(made_valid).iter("a"))
    absolute = notes_html.with_absolute_urls(made_valid, BASE)
    assert _text(absolute) == _text(made_valid)
    assert [text for _, text in _links(absolute)] == [text for _, text in _links(made_valid)]


def _parsed(fragment: str) -> html.HtmlElement:
    return html.fromstring(f"<div>{fragment}</div>")


def _links(fragment: str) -> list[tuple[str, str]]:
    return [(link.get("href"), link.text_content()) for link in _parsed(fragment).iter("a") if link.get("href")]


PLAYER = notes_html.Player("https://example.org/a.mp3?x=1&y=2", 600.0)


def test_timestamps_in_prose_seek_the_player_and_nowhere_else():
    notes = ("At 1:05 we start; *at 2:10* too, <b>and 3:00</b>.\n\n"
             "Not `4:00`, not [5:00](https://example.org/), not [6:00](javascript:alert(1)), not 99:00.\n\n"
             "    7:00 in code\n\n| when | what |\n| --- | --- |\n| 8:00 | a table |\n")
    page = _parsed(notes_html.to_html(notes, PLAYER))
    seeking = [(a.text, a.get("data-start"), a.get("href")) for a in page.iter("a") if a.get("data-start")]
    assert seeking == [(f"{m}:{s:02d}", str(60 * m + s), f"https://example.org/a.mp3?x=1&y=2#t={60 * m + s}")
                       for m, s in [(1, 5), (2, 10), (3, 0), (8, 0)]]
    assert page.xpath("//code/text()") == ["4:00", "7:00 in code\n"]
    assert [a.text for a in page.iter("a") if not a.get("data-start")] == ["5:00"]
    assert "6:00" in page.text_content() and "99:00" in page.text_content()
    # Without a player, the same notes word for word, and no timestamp links.
    plain = notes_html.to_html(notes)
    assert "data-start" not in plain and _text(plain) == page.text_content()


def test_notes_with_a_title_heading_move_every_heading_down_a_level():
    assert notes_html.to_html("# Part one\n\n## Detail\n\n###### Deepest\n") == \
        "<h2>Part one</h2>\n<h3>Detail</h3>\n<h6>Deepest</h6>\n"
    assert notes_html.to_html("Part one\n===\n\ntext\n") == "<h2>Part one</h2>\n<p>text</p>\n"
    assert notes_html.to_html("## Detail\n\n### More\n") == "<h2>Detail</h2>\n<h3>More</h3>\n"


def test_only_the_notes_own_headings_say_whether_they_move_and_no_text_moves_with_them():
    # The producer's <h1> is taken out by the sanitizer, as always: it neither moves the headings
    # nor becomes one that swallows the rest of the notes.
    assert notes_html.to_html("Why every page needs one <h1> element.\n\n## Links\n") == \
        "<p>Why every page needs one </p> element.<p></p>\n<h2>Links</h2>\n"
    assert notes_html.to_html("## Section\n\n<abbr title='the <h1> tag'>h1</abbr>\n") == \
        '<h2>Section</h2>\n<p><abbr title="the &lt;h1&gt; tag">h1</abbr></p>\n'
    # With a title heading of the notes' own, the producer's h1 still goes, and text stays as written.
    assert notes_html.to_html("# Title\n\nText <h1>raw</h1>, <abbr title=\"<h2>x</h2>\">y</abbr>\n\n## Sub\n") == \
        '<h2>Title</h2>\n<p>Text raw, <abbr title="&lt;h2&gt;x&lt;/h2&gt;">y</abbr></p>\n<h3>Sub</h3>\n'
    assert notes_html.to_html("# Title é\n\n<div><H1 class=x>z</h1></div>\n") == "<h2>Title é</h2>\nz\n"
