"""Markup taken out of license texts, every word on its source line."""

from __future__ import annotations

import pytest

from app.licenses.detection.markup import Markup, markup_of, strip_html, strip_markdown


def test_markdown_keeps_words_and_lines_drops_markers_and_destinations() -> None:
    text = (
        "# The MIT License\n"
        "\n"
        "Copyright (c) <year> <copyright holders>\n"
        "\n"
        'Permission is **hereby** granted, to _any_ person (the **"Software"**),\n'
        "see [the OSI page](https://opensource.org/licenses/MIT) or <https://mit.edu>.\n"
        "\n"
        "3. Redistributions must keep `this notice`.\n"
        "<!-- not for the reader -->\n"
    )
    lines = strip_markdown(text).split("\n")
    assert len(lines) == len(text.split("\n"))
    assert lines[0] == "The MIT License"
    assert lines[2] == "Copyright (c) <year> <copyright holders>"  # placeholders are text
    assert lines[4] == 'Permission is hereby granted, to any person (the "Software"),'
    assert lines[5] == "see the OSI page or https://mit.edu."  # a destination is not text
    assert lines[7].split() == ["3.", "Redistributions", "must", "keep", "this", "notice."]
    assert "reader" not in strip_markdown(text)


def test_markdown_code_blocks_and_real_inline_tags() -> None:
    text = "Terms:\n\n```\nTHE SOFTWARE IS PROVIDED AS IS\n```\n\nline<br>break <b>bold</b>\n"
    lines = strip_markdown(text).split("\n")
    assert lines[3] == "THE SOFTWARE IS PROVIDED AS IS"
    assert lines[6].split() == ["line", "break", "bold"]


def test_html_page_keeps_body_text_on_its_lines() -> None:
    page = (
        "<!DOCTYPE html>\n"
        "<html><head><title>MIT License</title>\n"
        "<style>p { color: red }</style></head>\n"
        "<body><h1 class='t'>MIT License</h1>\n"
        '<p>Permission is hereby granted, &quot;AS IS&quot;, see <a href="https://x.org/y">'
        "the site</a>.<br>\n"
        "Next line &amp; more</p>\n"
        '<ol><li>first</li>\n<li value="7">seventh</li></ol>\n'
        "<script>var licence = 'GPL';</script></body></html>\n"
    )
    lines = strip_html(page).split("\n")
    assert len(lines) == len(page.split("\n"))
    assert lines[1] == ""
    assert lines[2] == ""
    assert lines[3].strip() == "MIT License"
    assert lines[4].split() == [
        "Permission",
        "is",
        "hereby",
        "granted,",
        '"AS',
        'IS",',
        "see",
        "the",
        "site",
        ".",
    ]
    assert lines[5].strip() == "Next line & more"
    assert lines[6].split() == ["1.", "first"]
    assert lines[7].split() == ["7.", "seventh"]
    assert "GPL" not in strip_html(page)
    assert "href" not in strip_html(page)


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        ("LICENSE.md", "plain words", Markup.MARKDOWN),
        ("license.html", "plain words", Markup.HTML),
        ("LICENSE", "<!DOCTYPE html>\n<html><body>x</body></html>", Markup.HTML),
        ("LICENSE", "# MIT License\n\nPermission is hereby granted", Markup.MARKDOWN),
        ("LICENSE", "MIT License\n\nPermission is hereby granted", None),
        ("LICENSE.txt", "Copyright (c) <year> <owner>\nAll rights reserved.", None),
        ("README.rst", "License\n=======\n\n**MIT**", None),
    ],
)
def test_markup_of(path: str, text: str, expected: Markup | None) -> None:
    assert markup_of(path, text) is expected
