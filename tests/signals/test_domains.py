"""The taxonomy against the real classifier list, and assignment from evidence."""

from __future__ import annotations

from trove_classifiers import classifiers as trove

from app.signals.domains.taxonomy import (
    BY_KEY,
    DOMAINS,
    ancestors,
    descendants,
    domain_for_classifier,
    domain_for_term,
)


def test_every_mapped_classifier_exists_in_trove_classifiers() -> None:
    named = {c for d in DOMAINS for c in d.classifiers}
    assert named <= trove, named - trove


def test_every_scientific_topic_has_a_domain() -> None:
    science = {c for c in trove if c.startswith("Topic :: Scientific/Engineering")}
    unmapped = {c for c in science if domain_for_classifier(c) in (None, "science")}
    assert unmapped == {"Topic :: Scientific/Engineering"}


def test_parents_exist_and_the_tree_has_no_cycle() -> None:
    for domain in DOMAINS:
        assert domain.parent is None or domain.parent in BY_KEY
        assert domain.key not in ancestors(domain.key)
    assert set(descendants("science")) >= {"science", "astronomy", "gis"}
    assert descendants("astronomy") == ["astronomy"]
    assert ancestors("gis") == ["science"]


def test_terms_match_whole_normalized_words_only() -> None:
    assert domain_for_term("Astronomy") == "astronomy"
    assert domain_for_term("geographic_information systems") == "gis"
    assert domain_for_term("astropy") is None  # a name, not a field
    assert domain_for_term("astronomy-tools") is None  # no substring matching
    assert domain_for_classifier("Topic :: Scientific/Engineering :: GIS") == "gis"
    assert domain_for_classifier("Topic :: Software Development :: Libraries") is None
