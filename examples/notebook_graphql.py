# %% [markdown]
# # CodeCommons from a notebook: origins, licenses and issues over GraphQL
#
# This notebook asks a CodeCommons server, over its GraphQL API, for every origin
# (repository or package) with its forge, stars and *declared* licenses, and for every
# issue and pull request, then puts it all in one pandas DataFrame and draws two bar
# charts: stars by repository coloured by declared license, and issues by state.
#
# Every list in the API is a Relay connection: ask for `first` items, read
# `pageInfo { hasNextPage endCursor }`, and pass `endCursor` back as `after` for the
# next page. `paginate` below does that for any connection.
#
# Start a server with `make run` (it loads a small demo corpus on first start), then
# run the cells, or the whole file as a script:
#
#     python examples/notebook_graphql.py --url http://127.0.0.1:8000/graphql --out origins.png

# %%
from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd

# The object-oriented Figure renders PNGs with the Agg backend and never touches
# pyplot's global state, so this runs the same headless, in a test or in a notebook.
from matplotlib.figure import Figure
from matplotlib.patches import Patch

# A function that sends one GraphQL request (query text, variables) and returns the
# decoded JSON response body: {"data": ..., "errors": [...]}. Over HTTP it is
# `http_poster(url)`; a test can pass anything with the same shape.
GraphQLPost = Callable[[str, dict[str, Any]], dict[str, Any]]

DEFAULT_URL = "http://127.0.0.1:8000/graphql"
PAGE_SIZE = 100  # the server accepts `first` up to 500

# Licenses the project or its registry *declare* (as opposed to ones found by scanning
# files: LICENSE_FILE, HEADER, SPDX_TAG).
DECLARED_SOURCES = {"FORGE_DECLARED", "REGISTRY_DECLARED", "MANIFEST_DECLARED"}
ISSUE_STATES = ["OPEN", "CLOSED", "MERGED"]
STATE_COLOURS = {"OPEN": "tab:green", "CLOSED": "tab:red", "MERGED": "tab:purple"}


class GraphQLError(RuntimeError):
    """The server answered with GraphQL errors (each carries a problem slug in
    `extensions.code`, e.g. `invalid-cursor`)."""


def http_poster(
    url: str, *, timeout: float = 30.0, client: httpx.Client | None = None
) -> GraphQLPost:
    """A GraphQLPost that sends each request to `url` with httpx (or with `client`)."""
    http = client or httpx.Client(timeout=timeout)

    def post(query: str, variables: dict[str, Any]) -> dict[str, Any]:
        response = http.post(url, json={"query": query, "variables": variables})
        # GraphQL errors come back with 200 and an "errors" list; anything else is HTTP.
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    return post


# %% [markdown]
# ## Paging through a Relay connection


# %%
def paginate(
    graphql_post: GraphQLPost,
    query: str,
    field: str,
    variables: dict[str, Any] | None = None,
    page_size: int = PAGE_SIZE,
) -> Iterator[dict[str, Any]]:
    """Yield every node of the connection `field` of `query`.

    The query must take `$first: Int!` and `$after: String` and select
    `nodes { ... } pageInfo { hasNextPage endCursor }` on the connection.
    """
    after: str | None = None
    while True:
        body = graphql_post(query, {**(variables or {}), "first": page_size, "after": after})
        if body.get("errors"):
            raise GraphQLError("; ".join(e.get("message", str(e)) for e in body["errors"]))
        connection = body["data"][field]
        yield from connection["nodes"]
        page = connection["pageInfo"]
        if not page["hasNextPage"]:
            return
        after = page["endCursor"]


# %% [markdown]
# ## Origins, with their declared licenses

# %%
ORIGINS_QUERY = """
query Origins($first: Int!, $after: String) {
  origins(first: $first, after: $after) {
    nodes {
      id url kind forge fullName language stars forks openIssues
      licenses { expression originalText source }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def declared_license(findings: list[dict[str, Any]]) -> str | None:
    """The declared license expressions of an origin, as one label.

    A declaration that could not be mapped to SPDX keeps its text, marked as such.
    """
    labels = {
        f["expression"] or f"unmapped: {f['originalText']}"
        for f in findings
        if f["source"] in DECLARED_SOURCES
    }
    return " / ".join(sorted(labels)) or None


ORIGIN_COLUMNS = [
    "id", "url", "kind", "forge", "full_name", "language",
    "stars", "forks", "forge_open_issues", "declared_license",
]  # fmt: skip


def fetch_origins(graphql_post: GraphQLPost, page_size: int = PAGE_SIZE) -> pd.DataFrame:
    rows = [
        {
            "id": node["id"],
            "url": node["url"],
            "kind": node["kind"].lower(),
            "forge": node["forge"],
            "full_name": node["fullName"],
            "language": node["language"],
            "stars": node["stars"],
            "forks": node["forks"],
            "forge_open_issues": node["openIssues"],  # the forge's own counter
            "declared_license": declared_license(node["licenses"]),
        }
        for node in paginate(graphql_post, ORIGINS_QUERY, "origins", page_size=page_size)
    ]
    frame = pd.DataFrame(rows, columns=ORIGIN_COLUMNS)
    # Counters are missing for packages: keep them as nullable integers, not floats.
    for column in ("stars", "forks", "forge_open_issues"):
        frame[column] = frame[column].astype("Int64")
    return frame


# %% [markdown]
# ## Issues and pull requests, counted by state for each origin

# %%
ISSUES_QUERY = """
query Issues($first: Int!, $after: String) {
  issues(first: $first, after: $after) {
    nodes { originId kind state }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def fetch_issue_counts(graphql_post: GraphQLPost, page_size: int = PAGE_SIZE) -> pd.DataFrame:
    """One row per origin id, one column per state (`issues_open`, ...)."""
    counts = Counter(
        (node["originId"], node["state"])
        for node in paginate(graphql_post, ISSUES_QUERY, "issues", page_size=page_size)
    )
    origin_ids = sorted({origin_id for origin_id, _ in counts})
    return pd.DataFrame(
        {f"issues_{s.lower()}": [counts[(o, s)] for o in origin_ids] for s in ISSUE_STATES},
        index=pd.Index(origin_ids, name="id"),
    )


# %% [markdown]
# ## Plot: stars by repository, coloured by declared license; issues by state


# %%
def label(row: pd.Series) -> str:
    return str(row["full_name"] or row["url"])


def plot(frame: pd.DataFrame, out: Path, top: int = 20) -> Path:
    """Two bar charts side by side, written to `out` as a PNG."""
    # The `top` biggest of each, smallest at the bottom (leaves room for the legends).
    starred = frame[frame["stars"].notna()]
    repos = starred.nlargest(top, "stars").sort_values("stars")
    issued = frame[frame["issues_total"] > 0]
    with_issues = issued.nlargest(top, "issues_total").sort_values("issues_total")

    fig = Figure(figsize=(11, 4.5), layout="constrained")
    stars_ax, issues_ax = fig.subplots(1, 2, width_ratios=[3, 2])
    fig.suptitle(
        f"CodeCommons: {len(frame)} origins, {frame['issues_total'].sum()} issues and PRs",
        fontsize="x-large",
    )

    # Left: one bar per repository, one colour per declared license.
    stars_ax.set_title("Stars by repository" + (f" (top {top})" if len(starred) > top else ""))
    if repos.empty:
        stars_ax.text(0.5, 0.5, "no repository with stars", ha="center", va="center")
        stars_ax.set_axis_off()
    else:
        license_of = repos["declared_license"].fillna("none declared")
        palette = {lic: f"C{i}" for i, lic in enumerate(sorted(license_of.unique()))}
        bars = stars_ax.barh(
            repos.apply(label, axis=1),
            repos["stars"].astype(int),
            color=[palette[lic] for lic in license_of],
        )
        stars_ax.bar_label(bars, fmt="{:,.0f}", padding=3)
        stars_ax.set_xlim(0, max(1, int(repos["stars"].max())) * 1.15)  # room for the labels
        stars_ax.set_xlabel("stars")
        stars_ax.legend(
            handles=[Patch(color=colour, label=lic) for lic, colour in palette.items()],
            title="declared license",
            loc="lower right",
        )

    # Right: issues and pull requests by state, stacked, for the origins that have any.
    issues_ax.set_title(
        "Issues and pull requests by state" + (f" (top {top})" if len(issued) > top else "")
    )
    if with_issues.empty:
        issues_ax.text(0.5, 0.5, "no issues stored", ha="center", va="center")
        issues_ax.set_axis_off()
    else:
        names = with_issues.apply(label, axis=1)
        left = pd.Series(0, index=with_issues.index)
        for state in ISSUE_STATES:
            values = with_issues[f"issues_{state.lower()}"]
            segments = issues_ax.barh(
                names,
                values,
                left=left,
                height=0.5,
                label=state.lower(),
                color=STATE_COLOURS[state],
            )
            # The count inside each non-empty segment.
            issues_ax.bar_label(
                segments, labels=[str(v) if v else "" for v in values], label_type="center"
            )
            left += values
        # Head room above the bars for the legend.
        issues_ax.set_ylim(-0.6, len(with_issues) + 0.4)
        issues_ax.set_xlabel("count")
        issues_ax.xaxis.get_major_locator().set_params(integer=True)
        issues_ax.legend(ncols=3, loc="upper center", frameon=False, columnspacing=1.0)

    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    return out


# %% [markdown]
# ## All together


# %%
def run(graphql_post: GraphQLPost, out: Path, *, page_size: int = PAGE_SIZE) -> pd.DataFrame:
    """Fetch origins and issues, join them into one DataFrame, draw the chart to `out`."""
    origins = fetch_origins(graphql_post, page_size)
    issues = fetch_issue_counts(graphql_post, page_size)
    frame = origins.join(issues, on="id")
    state_columns = [f"issues_{s.lower()}" for s in ISSUE_STATES]
    frame[state_columns] = frame[state_columns].fillna(0).astype(int)
    frame["issues_total"] = frame[state_columns].sum(axis=1)
    plot(frame, out)
    return frame


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Chart CodeCommons origins, licenses and issues from its GraphQL API."
    )
    parser.add_argument("--url", default=DEFAULT_URL, help="GraphQL endpoint")
    parser.add_argument("--out", type=Path, default=Path("origins.png"), help="PNG to write")
    return parser.parse_args(argv)


# %%
if __name__ == "__main__":
    # In Jupyter, sys.argv holds the kernel's own arguments: use the defaults there.
    args = parse_args([] if "ipykernel" in sys.modules else None)
    df = run(http_poster(args.url), args.out)
    with pd.option_context("display.width", 200, "display.max_columns", None):
        print(df.drop(columns=["id"]).to_string(index=False))
    print(f"\nwrote {args.out}")
