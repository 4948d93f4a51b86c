"""The application-domain vocabulary: a small taxonomy taken from PyPI's "Topic ::"
classifier tree, with parent/child relations.

Where each domain comes from: every domain is defined by the Trove classifiers it
maps (the canonical list is the ``trove-classifiers`` package, release
2026.9.21.13; ``tests/signals/test_domains.py`` checks that every classifier named
here exists there and that every "Topic :: Scientific/Engineering" classifier is
mapped), and by a few *terms*: the exact words maintainers use for that field in
forge topics, registry keywords and CodeMeta keywords (GitHub's curated topic names
where one exists: ``astronomy``, ``gis``, ``bioinformatics``...). Terms are compared
whole and normalized (lower case, ``_``/spaces as ``-``), never as substrings of a
name, a description or a README.

Shape: ``science`` is the parent of the fields of "Topic :: Scientific/Engineering"
(astronomy, GIS, physics, ...); GIS sits under science as in the classifier tree (a
``gis`` query does not include the rest of science, a ``science`` query includes GIS).
The other top-level domains follow the other "Topic ::" branches that name a field
of application rather than a kind of software. A domain filter includes descendants.
"""

from __future__ import annotations

from dataclasses import dataclass

_SCI = "Topic :: Scientific/Engineering"


@dataclass(frozen=True, slots=True)
class Domain:
    key: str
    label: str
    parent: str | None
    classifiers: tuple[str, ...]
    terms: tuple[str, ...] = ()


DOMAINS: tuple[Domain, ...] = (
    Domain(
        "science", "Science and engineering", None, (_SCI,), ("science", "scientific-computing")
    ),
    Domain(
        "astronomy",
        "Astronomy",
        "science",
        (f"{_SCI} :: Astronomy",),
        ("astronomy", "astrophysics", "cosmology", "radio-astronomy", "astrometry"),
    ),
    Domain(
        "gis",
        "Geographic information systems",
        "science",
        (f"{_SCI} :: GIS",),
        ("gis", "geospatial", "geographic-information-systems", "cartography", "geodesy"),
    ),
    Domain(
        "atmospheric-science",
        "Atmospheric science",
        "science",
        (f"{_SCI} :: Atmospheric Science",),
        ("meteorology", "climate", "atmospheric-science"),
    ),
    Domain(
        "bioinformatics",
        "Bioinformatics",
        "science",
        (f"{_SCI} :: Bio-Informatics",),
        ("bioinformatics", "genomics", "computational-biology"),
    ),
    Domain(
        "chemistry",
        "Chemistry",
        "science",
        (f"{_SCI} :: Chemistry",),
        ("chemistry", "cheminformatics"),
    ),
    Domain("physics", "Physics", "science", (f"{_SCI} :: Physics",), ("physics",)),
    Domain(
        "mathematics",
        "Mathematics",
        "science",
        (f"{_SCI} :: Mathematics",),
        ("mathematics", "math"),
    ),
    Domain(
        "artificial-intelligence",
        "Artificial intelligence",
        "science",
        (f"{_SCI} :: Artificial Intelligence", f"{_SCI} :: Artificial Life"),
        ("artificial-intelligence", "machine-learning", "deep-learning"),
    ),
    Domain(
        "medical-science",
        "Medical science",
        "science",
        (f"{_SCI} :: Medical Science Apps.",),
        ("medical-imaging", "healthcare"),
    ),
    Domain("hydrology", "Hydrology", "science", (f"{_SCI} :: Hydrology",), ("hydrology",)),
    Domain(
        "oceanography", "Oceanography", "science", (f"{_SCI} :: Oceanography",), ("oceanography",)
    ),
    Domain(
        "visualization",
        "Scientific visualization",
        "science",
        (f"{_SCI} :: Visualization",),
        ("visualization", "data-visualization"),
    ),
    Domain(
        "image-processing",
        "Image processing and recognition",
        "science",
        (f"{_SCI} :: Image Processing", f"{_SCI} :: Image Recognition"),
        ("image-processing", "computer-vision"),
    ),
    Domain(
        "information-analysis",
        "Information analysis",
        "science",
        (f"{_SCI} :: Information Analysis",),
        ("data-analysis",),
    ),
    Domain(
        "electronic-design",
        "Electronic design automation",
        "science",
        (f"{_SCI} :: Electronic Design Automation (EDA)",),
        ("eda",),
    ),
    Domain(
        "engineering-other",
        "Other engineering (interfaces, interface engines)",
        "science",
        (
            f"{_SCI} :: Human Machine Interfaces",
            f"{_SCI} :: Interface Engine/Protocol Translator",
            f"{_SCI} :: Instrument Drivers",
        ),
    ),
    Domain(
        "quantum-computing",
        "Quantum computing",
        "science",
        (f"{_SCI} :: Quantum Computing",),
        ("quantum-computing",),
    ),
    Domain(
        "security",
        "Security and cryptography",
        None,
        ("Topic :: Security",),
        ("security", "computer-security"),
    ),
    Domain(
        "cryptography",
        "Cryptography",
        "security",
        ("Topic :: Security :: Cryptography",),
        ("cryptography",),
    ),
    Domain("education", "Education", None, ("Topic :: Education",), ("education",)),
    Domain("games", "Games and entertainment", None, ("Topic :: Games/Entertainment",), ("game",)),
    Domain(
        "finance",
        "Office and business finance",
        None,
        ("Topic :: Office/Business :: Financial",),
        ("finance",),
    ),
    Domain("multimedia", "Multimedia", None, ("Topic :: Multimedia",)),
    Domain("communications", "Communications", None, ("Topic :: Communications",)),
    Domain("religion", "Religion", None, ("Topic :: Religion",)),
)

BY_KEY: dict[str, Domain] = {d.key: d for d in DOMAINS}
TAXONOMY_VERSION = "trove-topics@1"


def descendants(key: str) -> list[str]:
    """``key`` and every domain under it (the filter's meaning of a domain)."""
    out = [key]
    for domain in DOMAINS:
        if domain.parent == key:
            out += descendants(domain.key)
    return out


def ancestors(key: str) -> list[str]:
    out: list[str] = []
    parent = BY_KEY[key].parent
    while parent is not None:
        out.append(parent)
        parent = BY_KEY[parent].parent
    return out


def domain_for_classifier(classifier: str) -> str | None:
    """The most specific domain of a classifier: its own mapping, else the mapping of
    its nearest mapped ancestor in the classifier tree ("... :: Astronomy :: X" ->
    astronomy)."""
    parts = [p.strip() for p in classifier.split("::")]
    while parts:
        text = " :: ".join(parts)
        for domain in DOMAINS:
            if text in domain.classifiers:
                return domain.key
        parts.pop()
    return None


def normalize_term(term: str) -> str:
    return "-".join(term.strip().lower().replace("_", " ").split())


_TERMS: dict[str, str] = {t: d.key for d in DOMAINS for t in d.terms}


def domain_for_term(term: str) -> str | None:
    return _TERMS.get(normalize_term(term))


# arXiv's category taxonomy (https://arxiv.org/category_taxonomy) -> domain: a full
# category first, else its archive (the part before the dot). Categories naming a kind
# of software or a method rather than a field of application map to nothing.
ARXIV_CATEGORIES: dict[str, str] = {
    "astro-ph": "astronomy",
    "gr-qc": "physics",
    "hep-ex": "physics",
    "hep-lat": "physics",
    "hep-ph": "physics",
    "hep-th": "physics",
    "nucl-ex": "physics",
    "nucl-th": "physics",
    "cond-mat": "physics",
    "nlin": "physics",
    "quant-ph": "physics",
    "math-ph": "physics",
    "physics": "physics",
    "physics.ao-ph": "atmospheric-science",
    "physics.chem-ph": "chemistry",
    "physics.med-ph": "medical-science",
    "physics.data-an": "information-analysis",
    "math": "mathematics",
    "q-bio": "bioinformatics",
    "cs.AI": "artificial-intelligence",
    "cs.LG": "artificial-intelligence",
    "cs.NE": "artificial-intelligence",
    "stat.ML": "artificial-intelligence",
    "cs.CV": "image-processing",
    "eess.IV": "image-processing",
    "cs.CR": "security",
    "q-fin": "finance",
}


def domain_for_paper_field(scheme: str, value: str) -> str | None:
    """The domain of a field a paper resolver reported: an arXiv category through
    :data:`ARXIV_CATEGORIES`; a subject or concept name (Crossref, DataCite, OpenAlex)
    through the same whole-word terms as keywords ("Astrophysics", "Machine learning")."""
    if scheme == "arxiv":
        return ARXIV_CATEGORIES.get(value) or ARXIV_CATEGORIES.get(value.split(".")[0])
    return domain_for_term(value)
