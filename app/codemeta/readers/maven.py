"""pom.xml, after the CodeMeta Java (Maven) crosswalk.

Parsed with ``defusedxml`` (a POM is untrusted input; the stdlib parser would expand
entities). name (else artifactId), version, description, url, ``licenses/license/
name``, ``scm/url`` -> codeRepository, ``developers/developer`` -> author. Values
that use ``${property}`` are computed by Maven from parents and profiles and are
skipped rather than half-resolved. programmingLanguage is Java, implied.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from app.codemeta.readers.base import ParsedFile, clean, invalid, map_license, person, text

_NS = "{http://maven.apache.org/POM/4.0.0}"


def load_pom(text_: str, path: str = "pom.xml") -> ParsedFile:
    """Parse one pom.xml; invalid files give no fields."""
    mapping = "maven-pom"
    try:
        root = fromstring(text_.encode("utf-8"))
    except (ParseError, DefusedXmlException) as exc:
        return invalid(path, mapping, f"XML error: {exc}")
    if _local(root.tag) != "project":
        return invalid(path, mapping, f"root element is <{_local(root.tag)}>, not <project>")
    ns = _NS if root.tag.startswith(_NS) else ""

    def value(parent: Element | None, tag: str) -> str | None:
        if parent is None:
            return None
        found = text(parent.findtext(f"{ns}{tag}"))
        return None if found is None or "${" in found else " ".join(found.split())

    licenses = [value(lic, "name") for lic in root.findall(f"{ns}licenses/{ns}license")]
    names = [n for n in licenses if n]
    spdx, problems = map_license(
        " OR ".join(names) if len(names) > 1 else (names[0] if names else None), path, mapping
    )
    developers = [
        person(name=value(dev, "name"), email=value(dev, "email"))
        for dev in root.findall(f"{ns}developers/{ns}developer")
    ]
    fields = clean(
        {
            "name": value(root, "name") or value(root, "artifactId"),
            "version": value(root, "version"),
            "description": value(root, "description"),
            "url": value(root, "url"),
            "license": spdx,
            "codeRepository": value(root.find(f"{ns}scm"), "url"),
            "author": [d for d in developers if d],
            "programmingLanguage": ["Java"],
        }
    )
    return ParsedFile(path, mapping, fields, None, problems)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
