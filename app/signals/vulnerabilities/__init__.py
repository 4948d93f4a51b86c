"""Known vulnerabilities: OSV advisories imported verbatim, mapped by a versioned
mapper, matched to origins by purl and by each ecosystem's version rules."""
