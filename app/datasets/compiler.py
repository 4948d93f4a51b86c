"""A selection compiled to one ``INSERT ... SELECT`` (SQLAlchemy Core) that fills a
build's table and returns the funnel in the same pass.

The statement, as CTEs:

``scored`` (materialized)
    every candidate (a content with facts, archived by the cut-off) with ``stage``:
    0 when it passes every filter, else the number of the first filter it fails
    (:data:`STAGES`, in order). The per-occurrence part (origin filters, the license
    of the file where it occurs, the representative occurrence) is one ``LATERAL``
    subquery gated on the content-level filters, so it runs only for contents that
    reached it. Columns a later step needs are kept for passing rows only.
``funnel``
    ``GROUP BY stage`` over ``scored``: the files each filter removed.
``deduped`` / ``kept``
    one file per near-duplicate cluster (:data:`~app.datasets.selection.NEAR_DUP_RULE`),
    then the ranking's top ``limit``.
``ins``
    the insert: leaf index = rank by ``sha1_git`` (the Merkle tree's order).

The final ``SELECT`` returns ``(step, stage, count)`` rows: the funnel, the files left
after deduplication and the files inserted. Literal values are bound parameters.

The license rule needs, for each expression, whether it qualifies: decided in Python
once per build over the distinct expressions present (a few thousand at most) with
``license-expression``, and passed in as an array (``expression = ANY(:allowed)``).
Inherited evidence needs each snapshot's license files by directory: a temporary
table built in the build's transaction (:func:`license_dirs_statements`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    LargeBinary,
    Numeric,
    Select,
    and_,
    any_,
    bindparam,
    case,
    column,
    exists,
    false,
    func,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
    table,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql import Executable
from sqlalchemy.types import Text

from app.datasets import optouts
from app.datasets.repository import effective_license
from app.datasets.selection import (
    EvidenceKind,
    QualityFlag,
    RankingName,
    Selection,
    VulnerabilityScope,
)
from app.models import (
    Advisory,
    Content,
    ContentFact,
    DatasetManifest,
    Forge,
    LicenseFinding,
    Origin,
    OriginAdvisory,
    OriginImportance,
    Owner,
    PaperLink,
    PathOccurrence,
    PiiFinding,
    Snapshot,
    Visit,
)
from app.signals.domains.repository import domain_predicate
from app.signals.vulnerabilities.repository import max_severity_predicate, vulnerable_predicate


@dataclass(frozen=True)
class Stage:
    name: str
    doc: str


#: The filters, in the order the funnel reports them (stage numbers start at 1).
STAGES: tuple[Stage, ...] = (
    Stage("language", "not one of the selected languages"),
    Stage("size", "outside the size bounds"),
    Stage("quality", "flagged generated, vendored, minified, binary, data or too large"),
    Stage("line_statistics", "line lengths or alphanumeric fraction out of bounds"),
    Stage("secrets_pii", "holds a secret or personal data of an excluded kind"),
    Stage("origin", "no occurrence in an origin matching the origin filters"),
    Stage("domain", "no occurrence in an origin of the selected application domains"),
    Stage(
        "vulnerabilities",
        "no occurrence in an origin free of the excluded known vulnerabilities "
        "(vulnerable, max_severity, exclude_advisories)",
    ),
    Stage("license", "no matching occurrence whose license qualifies under the rule"),
    Stage("opt_out", "opted out by its authors for this purpose"),
)
STAGE_NUMBER = {stage.name: n for n, stage in enumerate(STAGES, start=1)}
AFTER_STAGES = (
    Stage("near_duplicates", "not its near-duplicate cluster's representative"),
    Stage("limit", "beyond the ranking's limit"),
)

LICENSE_FILE_NAME = r"^((un)?licen[cs]e|copying|copyright|mit-license)"
# Suffixes that make "LICENSE.py" code rather than a license text (as
# app.licenses.detection.paths.file_kind decides).
CODE_SUFFIXES = [
    ".py", ".go", ".rs", ".js", ".ts", ".java", ".c", ".h", ".cpp", ".rb", ".php",
    ".json", ".toml", ".yml", ".yaml", ".xml",
]  # fmt: skip
OWN_SOURCES = ["spdx_tag", "header", "license_file"]
UNKNOWN_EXPRESSION = "?"  # an unmapped finding: a license, but none we can name


@dataclass
class CompileInput:
    """What the compiler needs besides the selection: resolved in Python per build."""

    build_id: int
    target: str  # the build's standalone table
    cutoff: datetime
    purpose: str = "any"
    optout_registry_version: int | None = None
    optouts: optouts.Prepared | None = None  # the excluded set, materialized
    allowed_expressions: list[str] | None = None  # None: no license rule
    dirs_table: str | None = None  # the temp table of license directories, if used
    params: dict[str, Any] = field(default_factory=dict)


MANIFEST_COLUMNS = [c.name for c in DatasetManifest.__table__.columns]


def target_table(name: str) -> Any:
    return table(name, *[column(c) for c in MANIFEST_COLUMNS])


# --- pieces ---------------------------------------------------------------------------


def _path_text(path: ColumnElement[bytes]) -> ColumnElement[str]:
    """A path as text for regular expressions: ``encode(.., 'escape')`` keeps ``/``
    and printable bytes as they are and cannot fail on non-UTF-8 names."""
    return func.encode(path, literal("escape"))


def license_file_name(path: ColumnElement[bytes]) -> ColumnElement[bool]:
    """SQL twin of ``file_kind(path) is FileKind.LICENSE`` (a test compares both)."""
    as_text = _path_text(path)
    name = func.substring(as_text, literal(r"[^/]*$"))
    suffix = func.lower(func.substring(name, literal(r"\.[^.]*$")))
    in_reuse_dir = as_text.op("~")(literal(r"(^|/)LICENSES/[^/]*$"))
    manifest_or_readme = name.op("~*")(literal(r"^readme(\.(md|markdown|rst|txt|adoc|org))?$"))
    return and_(
        name.op("~*")(literal(LICENSE_FILE_NAME)),
        ~name.op("~*")(literal(r"^notice|^third[-_ ]?party[-_ ]?(notice|licen[cs]e)")),
        ~in_reuse_dir,
        ~manifest_or_readme,
        or_(suffix.is_(None), ~(suffix == any_(literal(CODE_SUFFIXES, ARRAY(Text))))),
    )


def _dirname(path: ColumnElement[bytes]) -> ColumnElement[bytes]:
    return func.decode(
        func.regexp_replace(_path_text(path), literal(r"/?[^/]*$"), literal("")),
        literal("escape"),
    )


def license_dirs_statements(name: str, allowed: list[str]) -> list[Executable]:
    """The temporary table of license files per (snapshot, directory): how many distinct
    expressions they hold and whether all qualify. Dropped when the build commits."""
    from sqlalchemy import text

    lf, po = LicenseFinding.__table__, PathOccurrence.__table__
    expr = func.coalesce(lf.c.expression, literal(UNKNOWN_EXPRESSION))
    query = (
        select(
            po.c.snapshot_id,
            _dirname(po.c.path).label("dir"),
            func.count(func.distinct(expr)).label("n_expr"),
            func.min(expr).label("expr"),
            func.bool_and(
                func.coalesce(lf.c.expression == any_(_allowed_param(allowed)), false())
            ).label("all_ok"),
        )
        .select_from(lf.join(po, po.c.content_id == lf.c.content_id))
        .where(lf.c.source == "license_file", license_file_name(po.c.path))
        .group_by(po.c.snapshot_id, literal_column("2"))
    )
    from sqlalchemy.dialects import postgresql

    compiled = query.compile(
        dialect=postgresql.dialect(),  # type: ignore[no-untyped-call]
        compile_kwargs={"literal_binds": True},
    )
    return [
        text(f"CREATE TEMP TABLE {name} ON COMMIT DROP AS {compiled}"),
        text(f"CREATE INDEX ON {name} (snapshot_id)"),
        text(f"ANALYZE {name}"),
    ]


def _allowed_param(allowed: list[str]) -> Any:
    return literal(list(allowed), ARRAY(Text))


def _origin_conditions(sel: Selection, o: Any, cutoff: datetime) -> list[ColumnElement[bool]]:
    f = sel.origins
    out: list[ColumnElement[bool]] = []
    if f.forges:
        out.append(o.forge_id.in_(select(Forge.id).where(Forge.name.in_(f.forges))))
    if f.kinds:
        out.append(o.kind.in_([k.value for k in f.kinds]))
    stars, forks = func.coalesce(o.stars, -1), func.coalesce(o.forks, -1)
    if f.stars_min is not None or f.stars_max is not None:
        out.append(stars >= (f.stars_min or 0))
    if f.stars_max is not None:
        out.append(stars <= f.stars_max)
    if f.forks_min is not None or f.forks_max is not None:
        out.append(forks >= (f.forks_min or 0))
    if f.forks_max is not None:
        out.append(forks <= f.forks_max)
    for col, since, days in (
        (o.forge_created_at, f.created_since, f.created_within_days),
        (o.forge_updated_at, f.updated_since, f.updated_within_days),
        (o.forge_pushed_at, f.pushed_since, f.pushed_within_days),
    ):
        if since is not None:
            out.append(col >= since)
        if days is not None:
            out.append(col >= cutoff - timedelta(days=days))
    if f.archived is not None:
        out.append(o.is_archived.is_(f.archived))
    if f.fork is not None:
        out.append(o.is_fork.is_(f.fork))
    if f.topics:
        out.append(o.topics.overlap(literal([t.lower() for t in f.topics], ARRAY(Text))))
    if f.owners:
        out.append(
            o.owner_id.in_(select(Owner.id).where(Owner.login.in_([w.lower() for w in f.owners])))
        )
    if f.has_paper is not None:
        linked = exists().where(PaperLink.origin_id == o.id)
        out.append(linked if f.has_paper else ~linked)
    return out


def _signal_conditions(sel: Selection, o: Any) -> dict[str, list[ColumnElement[bool]]]:
    """The signal filters on origin ``o``, per funnel stage (empty lists: stage off).

    ``domain``: assigned any of the domains or a narrower one (``app.signals.domains``).
    ``vulnerabilities``: ``vulnerable`` within its scope, ``max_severity`` over the
    advisories affecting the current version, and no excluded advisory at any version
    (``app.signals.vulnerabilities``)."""
    f = sel.origins
    out: dict[str, list[ColumnElement[bool]]] = {"domain": [], "vulnerabilities": []}
    if f.domains:
        out["domain"].append(or_(*[domain_predicate(o.id, d) for d in sorted(set(f.domains))]))
    vulns = out["vulnerabilities"]
    if f.vulnerable is not None:
        if f.vulnerability_scope is VulnerabilityScope.EVER:
            ever = exists().where(OriginAdvisory.origin_id == o.id)
            vulns.append(ever if f.vulnerable else ~ever)
        else:
            vulns.append(vulnerable_predicate(o.id, f.vulnerable))
    if f.max_severity is not None:
        assert isinstance(f.max_severity, float)
        vulns.append(max_severity_predicate(o.id, f.max_severity))
    if f.exclude_advisories:
        keys = sorted(set(f.exclude_advisories))
        listed = literal(keys, ARRAY(Text))
        concerned = (
            select(literal(1))
            .select_from(OriginAdvisory)
            .join(Advisory, Advisory.id == OriginAdvisory.advisory_id)
            .where(
                OriginAdvisory.origin_id == o.id,
                or_(Advisory.osv_id == any_(listed), Advisory.aliases.overlap(listed)),
            )
            .exists()
        )
        vulns.append(~concerned)
    return out


def _content_conditions(sel: Selection, c: Any, f: Any) -> dict[str, ColumnElement[bool]]:
    """Per stage, the condition a content passes (``true()`` when the stage is off)."""
    ff = sel.files
    out: dict[str, ColumnElement[bool]] = {}
    out["language"] = f.language.in_(ff.languages) if ff.languages else true()
    size: list[ColumnElement[bool]] = []
    if ff.min_size is not None:
        size.append(c.length >= ff.min_size)
    if ff.max_size is not None:
        size.append(c.length <= ff.max_size)
    out["size"] = and_(*size) if size else true()
    flag_columns = {
        QualityFlag.GENERATED: f.is_generated,
        QualityFlag.VENDORED: f.is_vendored,
        QualityFlag.MINIFIED: f.is_minified,
        QualityFlag.BINARY: f.is_binary,
        QualityFlag.DATA: f.is_data,
        QualityFlag.TOO_LARGE: f.is_too_large,
    }
    flags = [~flag_columns[flag] for flag in sorted(set(ff.exclude_flags))]
    out["quality"] = and_(*flags) if flags else true()
    lines: list[ColumnElement[bool]] = []
    # Unknown statistics (binary or too large files) fail a bound on them.
    if ff.max_line_length is not None:
        lines.append(func.coalesce(f.max_line_length <= ff.max_line_length, false()))
    if ff.max_mean_line_length is not None:
        lines.append(func.coalesce(f.mean_line_length <= ff.max_mean_line_length, false()))
    if ff.min_alnum_fraction is not None:
        lines.append(func.coalesce(f.alnum_fraction >= ff.min_alnum_fraction, false()))
    out["line_statistics"] = and_(*lines) if lines else true()
    pii = ff.pii
    if pii is None or not (pii.exclude_any or pii.exclude_kinds):
        out["secrets_pii"] = true()
    elif pii.exclude_any:
        out["secrets_pii"] = f.pii_count == 0
    else:
        out["secrets_pii"] = or_(
            f.pii_count == 0,
            ~exists().where(
                PiiFinding.content_id == c.id, PiiFinding.kind.in_(sorted(pii.exclude_kinds))
            ),
        )
    return out


@dataclass
class _LicenseSQL:
    ok: ColumnElement[bool]
    expression: ColumnElement[str]
    evidence: ColumnElement[str]
    inherited_from: Any = None  # the lateral of the nearest license directory


def own_evidence(sel: Selection, inp: CompileInput, c: Any, gate: Any) -> Any | None:
    """The content's own license findings, summarized in one probe per content (a
    ``LATERAL`` aggregate, skipped for contents that failed the ``gate``): how many
    distinct expressions, one of them, whether all qualify, and how many mapped SPDX
    tags or headers (those stop inheritance, app.licenses.detection.inheritance)."""
    rule = sel.files.license
    if rule is None or not {EvidenceKind.OWN, EvidenceKind.INHERITED} & set(rule.evidence):
        return None
    allowed = _allowed_param(inp.allowed_expressions or [])
    lf = LicenseFinding.__table__.alias("lf_own")
    expr = func.coalesce(lf.c.expression, literal(UNKNOWN_EXPRESSION))
    return (
        select(
            func.count(func.distinct(expr)).label("n"),
            func.min(expr).label("one"),
            func.bool_and(func.coalesce(lf.c.expression == any_(allowed), false())).label("ok"),
            func.count()
            .filter(lf.c.source.in_(["spdx_tag", "header"]), lf.c.expression.is_not(None))
            .label("tags"),
        )
        .where(lf.c.content_id == c.id, lf.c.source.in_(OWN_SOURCES), gate)
        .correlate_except(lf)
        .lateral("own")
    )


def _license(
    sel: Selection, inp: CompileInput, own: Any | None, po: Any, o: Any
) -> _LicenseSQL | None:
    """Per occurrence: whether the file's license qualifies under the rule, and which
    expression and evidence kind gave it (see :class:`~app.datasets.selection.LicenseRule`)."""
    rule = sel.files.license
    if rule is None:
        return None
    allowed = _allowed_param(inp.allowed_expressions or [])
    kinds: dict[EvidenceKind, tuple[Any, Any, Any, Any]] = {}  # has, n, one, ok
    if own is not None:
        kinds[EvidenceKind.OWN] = (own.c.n > 0, own.c.n, own.c.one, own.c.ok)
        own_tag = own.c.tags > 0
    else:
        own_tag = false()
    if EvidenceKind.INHERITED in rule.evidence and inp.dirs_table is not None:
        d = table(
            inp.dirs_table,
            column("snapshot_id"),
            column("dir", LargeBinary),
            column("n_expr", BigInteger),
            column("expr", Text),
            column("all_ok"),
        )
        nearest = (
            select(d.c.n_expr, d.c.expr, d.c.all_ok)
            .where(
                d.c.snapshot_id == po.snapshot_id,
                or_(
                    d.c.dir == literal(b"", LargeBinary),
                    func.substring(po.path, 1, func.length(d.c.dir) + 1)
                    == d.c.dir.op("||")(literal(b"/", LargeBinary)),
                ),
                ~own_tag,
            )
            .order_by(func.length(d.c.dir).desc())
            .limit(1)
            .correlate_except(d)
            .lateral("inh")
        )
        kinds[EvidenceKind.INHERITED] = (
            nearest.c.n_expr.is_not(None),
            nearest.c.n_expr,
            nearest.c.expr,
            nearest.c.all_ok,
        )
        inherited_from = nearest
    else:
        inherited_from = None
    eff = effective_license(o)
    kinds[EvidenceKind.ORIGIN] = (
        eff.expression.is_not(None),
        case((eff.expression.is_(None), 0), else_=1),
        eff.expression,
        func.coalesce(eff.expression == any_(allowed), false()),
    )
    counted = [k for k in rule.evidence if k in kinds]
    # The chosen kind: the first counted one with evidence.
    chosen_ok = case(*[(kinds[k][0], kinds[k][3]) for k in counted], else_=false())
    chosen_expr = case(*[(kinds[k][0], kinds[k][2]) for k in counted], else_=null())
    chosen_kind = case(*[(kinds[k][0], literal(k.value)) for k in counted], else_=null())
    ok: ColumnElement[bool]
    if rule.allow_conflicts:
        ok = func.coalesce(chosen_ok, false())
    else:
        agree: list[ColumnElement[bool]] = []
        for k in counted:
            has, n, one, _ = kinds[k]
            # Within a kind: one expression. Across kinds: the same one as the chosen.
            agree.append(or_(~has, and_(n == 1, one == chosen_expr)))
        if EvidenceKind.ORIGIN in counted:
            agree.append(or_(~kinds[EvidenceKind.ORIGIN][0], ~eff.has_conflicts))
        ok = and_(func.coalesce(chosen_ok, false()), *agree)
    return _LicenseSQL(
        ok=ok, expression=chosen_expr, evidence=chosen_kind, inherited_from=inherited_from
    )


# --- the statement ---------------------------------------------------------------------


def candidates_select(
    sel: Selection,
    inp: CompileInput,
    only: Sequence[bytes] | None = None,
    *,
    only_optouts: bool = False,
) -> Select[Any]:
    """Every candidate with its ``stage`` (0: passes every filter) and, for those that
    pass, its representative occurrence and license. ``only``: just these contents
    (by ``sha1_git``), to explain why they are in or out (diffs); ``only_optouts``:
    just the contents of the materialized opt-out set (what the opt-out stage removed
    is among them: the set a build publishes the root of)."""
    c = Content.__table__.alias("c")
    f = ContentFact.__table__.alias("f")
    po = PathOccurrence.__table__.alias("po")
    o = Origin.__table__.alias("o")
    s = Snapshot.__table__.alias("s")
    v = Visit.__table__.alias("v")
    cutoff: Any = bindparam("cutoff", inp.cutoff)

    content_ok = _content_conditions(sel, c.c, f.c)
    content_pass = and_(*content_ok.values())
    visible = exists().where(v.c.snapshot_id == po.c.snapshot_id, v.c.date <= cutoff)
    signals = _signal_conditions(sel, o.c)
    origin_conditions = [
        *_origin_conditions(sel, o.c, inp.cutoff),
        *signals["domain"],
        *signals["vulnerabilities"],
    ]
    own = own_evidence(sel, inp, c.c, content_pass)
    license_sql = _license(sel, inp, own, po.c, o.c)

    # The representative occurrence: qualifying origin, qualifying license; most-starred
    # origin first, then the smallest origin id, then the smallest path.
    rep_from: Any = po.join(o, o.c.id == po.c.origin_id).join(s, s.c.id == po.c.snapshot_id)
    if license_sql is not None and license_sql.inherited_from is not None:
        rep_from = rep_from.join(license_sql.inherited_from, true(), isouter=True)
    rep_where = [po.c.content_id == c.c.id, content_pass, visible, *origin_conditions]
    if license_sql is not None:
        rep_where.append(license_sql.ok)
    rep = (
        select(
            o.c.id.label("origin_id"),
            o.c.url.label("origin_url"),
            o.c.stars.label("stars"),
            s.c.sha1_git.label("snapshot"),
            po.c.path.label("path"),
            (license_sql.expression if license_sql else null()).label("lic_expr"),
            (license_sql.evidence if license_sql else null()).label("lic_evidence"),
        )
        .select_from(rep_from)
        .where(*rep_where)
        .order_by(func.coalesce(o.c.stars, -1).desc(), o.c.id, po.c.path)
        .limit(1)
        .lateral("rep")
    )
    # Why a content without a representative fails: the first origin-level stage that
    # no occurrence passes (each stage adds its conditions to the previous ones').
    po_any = PathOccurrence.__table__.alias("po_any")
    o_any = Origin.__table__.alias("o_any")
    v_any = Visit.__table__.alias("v_any")
    any_signals = _signal_conditions(sel, o_any.c)
    checks: list[tuple[str, list[ColumnElement[bool]]]] = []
    conditions = list(_origin_conditions(sel, o_any.c, inp.cutoff))
    checks.append(("origin", list(conditions)))
    for name in ("domain", "vulnerabilities"):
        if any_signals[name]:
            conditions += any_signals[name]
            checks.append((name, list(conditions)))

    def occurrence_exists(where: list[ColumnElement[bool]]) -> ColumnElement[bool]:
        return (
            select(literal(1))
            .select_from(po_any.join(o_any, o_any.c.id == po_any.c.origin_id))
            .where(
                po_any.c.content_id == c.c.id,
                exists().where(v_any.c.snapshot_id == po_any.c.snapshot_id, v_any.c.date <= cutoff),
                *where,
            )
            .exists()
        )

    excluded = optouts.exclusion_predicate(inp.optouts, c.c)
    whens: list[tuple[ColumnElement[bool], int]] = [
        (~content_ok[name], STAGE_NUMBER[name])
        for name in ("language", "size", "quality", "line_statistics", "secrets_pii")
    ]
    for n, (name, where) in enumerate(checks):
        if n == len(checks) - 1 and license_sql is None:
            whens.append((rep.c.origin_id.is_(None), STAGE_NUMBER[name]))  # rep says it
        else:
            whens.append(
                (and_(rep.c.origin_id.is_(None), ~occurrence_exists(where)), STAGE_NUMBER[name])
            )
    if license_sql is not None:
        whens.append((rep.c.origin_id.is_(None), STAGE_NUMBER["license"]))
    whens.append((excluded, STAGE_NUMBER["opt_out"]))
    stage = case(*whens, else_=0)

    candidates: Any = c.join(f, f.c.content_id == c.c.id)
    if own is not None:
        candidates = candidates.join(own, true())
    restrict: list[ColumnElement[bool]] = [c.c.sha1_git.in_(list(only))] if only is not None else []
    if only_optouts:
        restrict.append(optouts.among_excluded(inp.optouts, c.c))
    return (
        select(
            c.c.id.label("content_id"),
            stage.label("stage"),
            c.c.sha1_git,
            c.c.sha1,
            c.c.sha256,
            c.c.length,
            c.c.in_storage,
            f.c.language,
            f.c.near_dup_cluster,
            rep.c.origin_id,
            rep.c.origin_url,
            rep.c.stars,
            rep.c.snapshot,
            rep.c.path,
            rep.c.lic_expr,
            rep.c.lic_evidence,
        )
        .select_from(candidates.join(rep, true(), isouter=True))
        .where(c.c.created_at <= cutoff, *restrict)
    )


def compile_build(sel: Selection, inp: CompileInput) -> Select[Any]:
    """The statement that fills ``inp.target`` and returns ``(step, stage, n)`` rows."""
    inner = candidates_select(sel, inp).subquery("x")
    cutoff: Any = bindparam("cutoff", inp.cutoff)
    passing = inner.c.stage == 0
    keep = {
        "sha1_git": inner.c.sha1_git,
        "sha1": inner.c.sha1,
        "sha256": inner.c.sha256,
    }
    # Ranking needs the content row: computed for passing rows only (others: NULL).
    c2 = Content.__table__.alias("c_rank")
    rank_value = (
        case((passing, _rank_for(sel, inner, c2, cutoff)), else_=null())
        if sel.ranking.order is not RankingName.SHA1_GIT
        else literal(0.0, Float)
    )
    scored = (
        select(
            inner.c.stage,
            inner.c.content_id,
            *[case((passing, col), else_=null()).label(name) for name, col in keep.items()],
            inner.c.length,
            inner.c.in_storage,
            inner.c.language,
            inner.c.near_dup_cluster,
            inner.c.origin_id,
            inner.c.origin_url,
            inner.c.snapshot,
            inner.c.path,
            inner.c.lic_expr,
            inner.c.lic_evidence,
            rank_value.label("rank_value"),
        )
        .cte("scored")
        .prefix_with("MATERIALIZED")
    )
    funnel = (
        select(literal("stage").label("step"), scored.c.stage, func.count().label("n"))
        .group_by(scored.c.stage)
        .cte("funnel")
    )
    order = [scored.c.rank_value.desc().nulls_last(), scored.c.sha1_git]
    if sel.dedup.near_duplicates:
        clustered = (
            select(
                scored,
                func.row_number()
                .over(partition_by=scored.c.near_dup_cluster, order_by=order)
                .label("dup"),
            )
            .where(scored.c.stage == 0, scored.c.near_dup_cluster.is_not(None))
            .subquery("clustered")
        )
        cols = [col for col in clustered.c if col.name != "dup"]
        deduped = union_all(
            select(*[scored.c[col.name] for col in cols]).where(
                scored.c.stage == 0, scored.c.near_dup_cluster.is_(None)
            ),
            select(*cols).where(clustered.c.dup == 1),
        ).cte("deduped")
    else:
        deduped = select(scored).where(scored.c.stage == 0).cte("deduped")
    kept_q = select(deduped).order_by(deduped.c.rank_value.desc().nulls_last(), deduped.c.sha1_git)
    if sel.ranking.limit is not None:
        kept_q = kept_q.limit(bindparam("limit", sel.ranking.limit))
    kept = kept_q.cte("kept")
    # The other occurrences of each kept file, visible at the cut-off.
    po3, v3 = PathOccurrence.__table__.alias("po_other"), Visit.__table__.alias("v_other")
    others = (
        select(func.count())
        .select_from(po3)
        .where(
            po3.c.content_id == kept.c.content_id,
            exists().where(v3.c.snapshot_id == po3.c.snapshot_id, v3.c.date <= cutoff),
        )
        .scalar_subquery()
        - 1
    )
    target = target_table(inp.target)
    values = {
        "build_id": literal(inp.build_id, BigInteger),
        "leaf_index": func.row_number().over(order_by=kept.c.sha1_git) - 1,
        "content_id": kept.c.content_id,
        "sha1_git": kept.c.sha1_git,
        "sha1": kept.c.sha1,
        "sha256": kept.c.sha256,
        "length": kept.c.length,
        "language": kept.c.language,
        "license_expression": kept.c.lic_expr,
        "license_evidence": kept.c.lic_evidence,
        "origin_id": kept.c.origin_id,
        "origin_url": kept.c.origin_url,
        "snapshot_sha1_git": kept.c.snapshot,
        "path": kept.c.path,
        "other_occurrences": others,
        "near_dup_cluster": kept.c.near_dup_cluster,
        "rank_value": case(
            (literal(sel.ranking.order is RankingName.SHA1_GIT), null()),
            else_=kept.c.rank_value,
        ),
        "in_storage": kept.c.in_storage,
    }
    ins = (
        insert(target)
        .from_select(
            list(values),
            select(*[expr.label(name) for name, expr in values.items()]),
        )
        .returning(literal_column("1"))
        .cte("ins")
    )
    return union_all(
        select(funnel.c.step, funnel.c.stage, funnel.c.n),
        select(literal("deduped"), literal(None, BigInteger), func.count()).select_from(deduped),
        select(literal("inserted"), literal(None, BigInteger), func.count()).select_from(ins),
    )  # type: ignore[return-value]


def _rank_for(sel: Selection, inner: Any, c2: Any, cutoff: Any) -> ColumnElement[Any]:
    """The ranking value of a passing row of ``inner`` (larger first)."""
    del c2
    match sel.ranking.order:
        case RankingName.IMPORTANCE:
            return file_importance_expr(inner.c.content_id, cutoff)
        case RankingName.ORIGIN_STARS:
            return func.coalesce(inner.c.stars, -1).cast(Float)
        case RankingName.ORIGIN_COUNT:
            po2 = PathOccurrence.__table__.alias("po_count")
            return (
                select(func.count(func.distinct(po2.c.origin_id)))
                .where(po2.c.content_id == inner.c.content_id)
                .scalar_subquery()
                .cast(Float)
            )
        case RankingName.SIZE:
            size: ColumnElement[Any] = inner.c.length.cast(Float)
            return size
        case _:
            return literal(0.0, Float)


def file_importance_expr(content_id: Any, cutoff: Any) -> ColumnElement[float]:
    """``importance@1`` of a file (:func:`app.signals.importance.score.file_importance`):
    the best score of the origins holding it plus log10 of how many origins hold it,
    counting the occurrences archived by the cut-off; an origin not scored yet counts
    0. Rounded to 6 decimals like the stored origin scores, so equal files tie exactly
    (and ``sha1_git`` decides)."""
    po = PathOccurrence.__table__.alias("po_imp")
    v = Visit.__table__.alias("v_imp")
    oi = OriginImportance.__table__.alias("oi_imp")
    value = func.coalesce(func.max(oi.c.score), literal(0.0)) + func.log(
        func.greatest(func.count(func.distinct(po.c.origin_id)), 1).cast(Float)
    )
    return (
        select(func.round(value.cast(Numeric), 6).cast(Float))
        .select_from(po.outerjoin(oi, oi.c.origin_id == po.c.origin_id))
        .where(
            po.c.content_id == content_id,
            exists().where(v.c.snapshot_id == po.c.snapshot_id, v.c.date <= cutoff),
        )
        .scalar_subquery()
    )


def funnel_of(
    rows: Sequence[tuple[str, int | None, int]], limit: int | None
) -> list[dict[str, Any]]:
    """The funnel as stored with the build: candidates, then each stage's removals in
    order, then the files kept."""
    by_stage = {
        int(stage): int(n) for step, stage, n in rows if step == "stage" and stage is not None
    }
    deduped = next(int(n) for step, _, n in rows if step == "deduped")
    inserted = next(int(n) for step, _, n in rows if step == "inserted")
    candidates = sum(by_stage.values())
    out: list[dict[str, Any]] = [{"step": "candidates", "files": candidates}]
    left = candidates
    for number, stage in enumerate(STAGES, start=1):
        removed = by_stage.get(number, 0)
        left -= removed
        out.append({"step": stage.name, "removed": removed, "left": left, "why": stage.doc})
    passed = by_stage.get(0, 0)
    assert left == passed
    out.append(
        {
            "step": "near_duplicates",
            "removed": passed - deduped,
            "left": deduped,
            "why": AFTER_STAGES[0].doc,
        }
    )
    out.append(
        {
            "step": "limit",
            "removed": deduped - inserted,
            "left": inserted,
            "why": AFTER_STAGES[1].doc + (f" ({limit})" if limit else ""),
        }
    )
    return out
