"""A fresh install gets tested versions: ``constraints.txt`` pins every dependency the
project declares (and everything they pull in), each pin satisfies the lower bound in
``pyproject.toml``, and both ``make`` and the image install through it."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def pins() -> dict[str, str]:
    found: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            found[canonicalize_name(name)] = version
    return found


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    return [
        Requirement(r) for r in [*project["dependencies"], *extras["embedded"], *extras["test"]]
    ]


def test_every_declared_dependency_is_pinned_within_its_bounds() -> None:
    pinned = pins()
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{name} is not in constraints.txt"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"constraints.txt pins {name}=={pinned[name]}, outside {requirement.specifier}"
        )


def test_installs_use_the_constraints() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert makefile.count("pip install --quiet -c constraints.txt -e") == 2
    assert "pip install -c constraints.txt ." in (ROOT / "Dockerfile").read_text()
