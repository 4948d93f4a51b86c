"""Query cost: an estimate of what an operation asks for, checked before it runs.

Depth, token and alias limits bound the *shape* of a document; they do not stop one
short query from asking for 500 origins with every field of each. The cost bounds the
*volume*, the way GitHub's node limit and Software Heritage's GraphQL API do:

* every field selected costs 1 (a scalar, an object, a list alike);
* a field with a ``first`` argument is paged: its page size is that argument (a
  literal, a variable of the operation, or the field's default), clamped to
  ``1..MAX_PAGE_SIZE`` (a size outside it is refused by the field itself);
* the lists of a page hold that many items: on a connection, ``edges`` and ``nodes``
  multiply the cost of their selection by the page size, ``pageInfo`` does not; a
  paged field that returns a plain list multiplies its own selection;
* multipliers nest: a page inside a page costs the product of both sizes;
* lists the client does not size (an origin's license findings, a directory's
  entries) count their selection once: the client pays for what it chooses, and
  those lists are the size the data has;
* fragments, named or inline, count as if written in place; ``@skip`` / ``@include``
  are honoured; aliases are separate fields, so each counts;
* introspection (``__schema``, ``__type``, ``__typename``) is free;
* ``totalCount`` costs ``TOTAL_COUNT_COST``: it reads every match of the filters, not
  one page, so it is priced like a large page rather than like a scalar.

For example ``{ origins(first: 100) { nodes { id url licenses { expression } } } }``
costs ``1 + (1 + 100 * (1 + 1 + (1 + 1)))`` = 402. The sum is an upper bound: a field
selected twice under one name is counted twice though it is resolved once.

The budget depends on the request, not on the schema: :class:`CostLimiter` reads the
tier from the context (requests with an API key get ``GRAPHQL_MAX_COST_KEY``, others
``GRAPHQL_MAX_COST_ANONYMOUS``), so the cost is computed when the operation is about
to execute, with its variables, rather than as a validation rule whose result
strawberry caches per document. An operation over budget gets one error with
``extensions.code = "query-too-costly"`` and nothing runs; every priced response
carries ``extensions.cost = {"requested": N, "limit": M}``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLIncludeDirective,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    NamedTypeNode,
    SelectionNode,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
)
from graphql.execution.values import (
    VariableValues,
    get_argument_values,
    get_directive_values,
    get_variable_values,
)
from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension

from app.config import Settings
from app.kit.pagination import MAX_PAGE_SIZE
from app.kit.problems import Problem

PAGE_ARGUMENT = "first"
TOTAL_COUNT_COST = 100


class QueryTooCostly(Problem):
    status = 400
    slug = "query-too-costly"


@dataclass(frozen=True)
class CostBudget:
    """The largest cost accepted, by tier."""

    anonymous: int
    key: int

    @classmethod
    def of(cls, settings: Settings) -> CostBudget:
        return cls(settings.graphql_max_cost_anonymous, settings.graphql_max_cost_key)

    @classmethod
    def defaults(cls) -> CostBudget:
        """The settings' defaults, for a context that carries no budget (tests)."""
        fields = Settings.model_fields
        return cls(
            int(fields["graphql_max_cost_anonymous"].default),
            int(fields["graphql_max_cost_key"].default),
        )

    def limit(self, has_api_key: bool) -> int:
        return self.key if has_api_key else self.anonymous


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
) -> int | None:
    """The cost of the operation of ``document`` that would run (see the module doc).

    None when it cannot be priced: no such operation, or variables that do not fit
    their definitions (execution refuses those before any resolver runs).
    """
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return None
    root = schema.get_root_type(operation.operation)
    if root is None:
        return None
    coerced = get_variable_values(
        schema, operation.variable_definitions or (), dict(variables or {})
    )
    if isinstance(coerced, list):
        return None
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    return _Pricer(schema, fragments, coerced).selections(
        operation.selection_set, root, None, frozenset()
    )


@dataclass
class _Pricer:
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: VariableValues
    # (fragment, parent type, page size) -> cost: a fragment spread many times (or
    # fragments spreading each other twice over) is priced once, not exponentially.
    memo: dict[tuple[str, str, int | None], int] = field(default_factory=dict)

    def selections(
        self,
        selection_set: SelectionSetNode | None,
        parent: GraphQLNamedType,
        page: int | None,
        spreading: frozenset[str],
    ) -> int:
        """The cost of a selection set; ``page`` is the page size when ``parent`` is
        the type a paged field returned (its list fields hold that many items)."""
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                total += self._field(selection, parent, page, spreading)
            elif isinstance(selection, InlineFragmentNode):
                on = self._type(selection.type_condition, parent)
                total += self.selections(selection.selection_set, on, page, spreading)
            elif isinstance(selection, FragmentSpreadNode):
                total += self._spread(selection.name.value, parent, page, spreading)
        return total

    def _spread(
        self, name: str, parent: GraphQLNamedType, page: int | None, spreading: frozenset[str]
    ) -> int:
        fragment = self.fragments.get(name)
        if fragment is None or name in spreading:  # unknown or cyclic: validation's job
            return 0
        on = self._type(fragment.type_condition, parent)
        key = (name, on.name, page)
        if key not in self.memo:
            self.memo[key] = self.selections(fragment.selection_set, on, page, spreading | {name})
        return self.memo[key]

    def _field(
        self, node: FieldNode, parent: GraphQLNamedType, page: int | None, spreading: frozenset[str]
    ) -> int:
        name = node.name.value
        if name.startswith("__"):
            return 0  # introspection and __typename
        if name == "totalCount":
            return TOTAL_COUNT_COST
        definition = _field_definition(parent, name)
        if definition is None:
            return 1
        size = self._page_size(definition, node)
        is_list = isinstance(get_nullable_type(definition.type), GraphQLList)
        multiplier, inner_page = 1, None
        if size is not None and is_list:
            multiplier = size
        elif size is not None:
            inner_page = size  # a connection: its edges and nodes hold `size` items
        elif is_list and page is not None:
            multiplier = page
        inner = self.selections(
            node.selection_set, get_named_type(definition.type), inner_page, spreading
        )
        return 1 + multiplier * inner

    def _page_size(self, definition: GraphQLField, node: FieldNode) -> int | None:
        if PAGE_ARGUMENT not in definition.args:
            return None
        try:
            value = get_argument_values(definition, node, self.variables).get(PAGE_ARGUMENT)
        except GraphQLError:
            value = None
        if not isinstance(value, int):
            return MAX_PAGE_SIZE
        return min(max(value, 1), MAX_PAGE_SIZE)

    def _included(self, node: SelectionNode) -> bool:
        try:
            skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
            include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        except GraphQLError:
            return True
        if skip is not None and skip.get("if") is True:
            return False
        return not (include is not None and include.get("if") is False)

    def _type(self, condition: NamedTypeNode | None, parent: GraphQLNamedType) -> GraphQLNamedType:
        if condition is None:
            return parent
        return self.schema.get_type(condition.name.value) or parent


def _field_definition(parent: GraphQLNamedType, name: str) -> GraphQLField | None:
    found: GraphQLField | None = None
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        found = parent.fields.get(name)
    return found


def too_costly(cost: int, budget: CostBudget, has_api_key: bool) -> QueryTooCostly:
    limit = budget.limit(has_api_key)
    if has_api_key:
        advice = "ask for fewer items (a smaller `first`) or fewer fields"
    else:
        advice = (
            f"an API key (Authorization: Bearer <key>) raises it to {budget.key}; "
            "or ask for fewer items (a smaller `first`) or fewer fields"
        )
    return QueryTooCostly(
        f"query cost {cost} exceeds the budget of {limit}; {advice}", cost=cost, limit=limit
    )


class CostLimiter(SchemaExtension):
    """Prices the operation before it executes; refuses it over the request's budget.

    The budget is the context's: ``cost_budget`` (a :class:`CostBudget`) and
    ``has_api_key`` pick the tier, defaults and anonymous when absent.
    """

    def __init__(self) -> None:
        super().__init__()
        self.report: dict[str, int] | None = None

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.result is None:
            cost = operation_cost(
                context.schema._schema, document, context.variables, context.operation_name
            )
            if cost is not None:
                budget = getattr(context.context, "cost_budget", None)
                if not isinstance(budget, CostBudget):
                    budget = CostBudget.defaults()
                has_api_key = getattr(context.context, "has_api_key", False) is True
                limit = budget.limit(has_api_key)
                self.report = {"requested": cost, "limit": limit}
                if cost > limit:
                    problem = too_costly(cost, budget, has_api_key)
                    error = GraphQLError(
                        problem.detail,
                        original_error=problem,
                        extensions={"code": problem.slug, **problem.extensions},
                    )
                    # A result set before execution replaces it: no resolver runs.
                    context.result = ExecutionResult(data=None, errors=[error])
        yield

    def get_results(self) -> dict[str, Any]:
        return {"cost": self.report} if self.report is not None else {}
