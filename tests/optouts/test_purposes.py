"""The purpose vocabulary: hierarchy, the conflict rule, coverage and the mappings.

The external examples are the ones the specifications themselves give (aipref vocab
§ 6 and § 6.5, the Content Signals Policy's robots.txt line, TDMRep's ODRL policy)."""

from __future__ import annotations

import pytest

from app.optouts.purposes import (
    Decision,
    InvalidPurpose,
    Modifier,
    Purpose,
    Rule,
    Statement,
    Use,
    ancestors,
    combine,
    covered_uses,
    covers,
    decide,
    descendants,
    from_aipref,
    from_content_signal,
    from_tdmrep,
    is_within,
    mapping_table,
    parse_dictionary,
    to_aipref,
    to_content_signal,
    to_tdmrep,
)


def test_hierarchy_has_one_root_and_every_node_reaches_it():
    for use in Use:
        assert ancestors(use)[0] is use
        assert ancestors(use)[-1] is Use.ANY
    assert descendants(Use.AI_TRAINING) == {Use.AI_TRAINING, Use.PRE_TRAINING, Use.FINE_TUNING}
    assert descendants(Use.AI_INPUT) == {Use.AI_INPUT, Use.RETRIEVAL, Use.EVALUATION}
    assert descendants(Use.ANY) == set(Use)
    assert is_within(Use.FINE_TUNING, Use.AI_TRAINING)
    assert not is_within(Use.AI_TRAINING, Use.FINE_TUNING)
    assert not is_within(Use.SEARCH, Use.AI_TRAINING)


@pytest.mark.parametrize(
    ("reserved", "purpose", "covered"),
    [
        ("ai-training", "pre-training", True),
        ("ai-training", "fine-tuning;research-only", True),
        ("ai-training", "ai-training", True),
        ("ai-training", "evaluation", False),
        ("ai-training", "search", False),
        ("fine-tuning", "pre-training", False),
        ("fine-tuning", "ai-training", False),  # a dataset for any training is not only FT
        ("any", "retrieval", True),
        ("ai-input", "evaluation", True),
        ("evaluation", "retrieval", False),
    ],
)
def test_a_reservation_covers_its_node_and_everything_below(reserved, purpose, covered):
    assert covers([Rule.reservation(reserved)], purpose) is covered


def test_an_exception_lifts_the_reservation_only_for_purposes_committing_to_all_of_it():
    rule = Rule.reservation("ai-training", ["open-weights-only", "research-only"])
    assert covers([rule], "pre-training")
    assert covers([rule], "pre-training;open-weights-only")
    assert not covers([rule], "pre-training;open-weights-only;research-only")
    assert not covers([rule], "pre-training;non-commercial;open-weights-only;research-only")
    # The exception is the opt-out's, not a blanket one: search is simply not reserved.
    assert not covers([rule], "search")


def test_within_one_statement_the_most_specific_rule_decides():
    statement = Statement((Rule.reservation(Use.AI_TRAINING), Rule(Use.FINE_TUNING, allow=True)))
    assert statement.decide(Purpose(Use.FINE_TUNING)) is Decision.ALLOW
    assert statement.decide(Purpose(Use.PRE_TRAINING)) is Decision.DISALLOW
    assert statement.decide(Purpose(Use.SEARCH)) is Decision.UNKNOWN


def test_between_statements_a_disallow_wins():
    author = Statement((Rule.reservation(Use.AI_TRAINING),), "author")
    site = Statement((Rule(Use.ANY, allow=True),), "site")
    assert decide([site, author], Purpose(Use.PRE_TRAINING)) is Decision.DISALLOW
    assert decide([site, author], Purpose(Use.SEARCH)) is Decision.ALLOW
    assert decide([], Purpose(Use.SEARCH)) is Decision.UNKNOWN
    assert combine([Decision.ALLOW, Decision.UNKNOWN]) is Decision.ALLOW
    assert combine([Decision.ALLOW, Decision.DISALLOW, Decision.UNKNOWN]) is Decision.DISALLOW


def test_conflicting_rules_for_one_use_in_one_statement_keep_the_stricter():
    statement = Statement((Rule(Use.SEARCH, allow=True), Rule.reservation(Use.SEARCH)))
    assert statement.decide(Purpose(Use.SEARCH)) is Decision.DISALLOW
    narrowed = Statement(
        (
            Rule.reservation(Use.ANY, ["research-only"]),
            Rule.reservation(Use.ANY, ["research-only", "non-commercial"]),
        )
    )
    # Two exceptions for one use: a purpose must meet both.
    assert narrowed.decide(Purpose.parse("search;research-only")) is Decision.DISALLOW
    assert narrowed.decide(Purpose.parse("search;non-commercial;research-only")) is (Decision.ALLOW)
    absolute = Statement((Rule.reservation(Use.ANY, ["research-only"]), Rule.reservation(Use.ANY)))
    assert absolute.decide(Purpose.parse("search;research-only")) is Decision.DISALLOW


def test_purposes_and_rules_read_and_print_canonically():
    purpose = Purpose.parse(" pre-training ; research-only;open-weights-only ")
    assert purpose.canonical() == "pre-training;open-weights-only;research-only"
    assert Purpose.parse(purpose.canonical()) == purpose
    for text in ("ai-training", "search!", "any;unless=non-commercial,research-only"):
        assert Rule.parse(text).canonical() == text
    assert Rule.parse("any;unless=research-only,non-commercial").unless == {
        Modifier.RESEARCH_ONLY,
        Modifier.NON_COMMERCIAL,
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("training", "unknown use 'training'"),
        ("pre-training;commercial", "unknown modifier 'commercial'"),
        ("", "needs a use"),
    ],
)
def test_unknown_words_are_refused_with_the_known_ones(text, message):
    with pytest.raises(InvalidPurpose, match=message):
        Purpose.parse(text)


def test_rule_syntax_errors_are_refused():
    with pytest.raises(InvalidPurpose, match="unless"):
        Rule.parse("search!;unless=research-only")
    with pytest.raises(InvalidPurpose, match="expected 'unless="):
        Rule.parse("search;except=research-only")


# --- aipref ---


def test_aipref_example_from_the_draft():
    # vocab § 6: "train-ai=y, search=n" allows training, disallows search.
    statement = from_aipref("train-ai=y, search=n")
    assert statement.decide(Purpose(Use.PRE_TRAINING)) is Decision.ALLOW
    assert statement.decide(Purpose(Use.SEARCH)) is Decision.DISALLOW
    assert statement.decide(Purpose(Use.RETRIEVAL)) is Decision.UNKNOWN


def test_aipref_values_other_than_y_or_n_tokens_are_unknown():
    # vocab § 6.5.1: the last value wins and neither a boolean nor a string is a token.
    statement = from_aipref('train-ai=y, train-ai, search=n, search="n"')
    assert statement.rules == ()
    # § 6.5.2: parameters are ignored; the last member is train-ai=y.
    assert from_aipref("train-ai;allow=n, train-ai=y").rule_for(Use.AI_TRAINING) == Rule(
        Use.AI_TRAINING, allow=True
    )


@pytest.mark.parametrize(
    "broken", ["Train-AI=n", "train-ai=n,", "train-ai=n search=n", 'train-ai="n', "é=n"]
)
def test_aipref_values_that_do_not_parse_leave_every_preference_unknown(broken):
    assert parse_dictionary(broken) is None
    assert from_aipref(broken).rules == ()


def test_earlier_aipref_hierarchy_labels_are_read():
    # -02: all > train-ai > train-genai; an explicit child refines its parent.
    statement = from_aipref("all=n, train-genai=y")
    assert statement.decide(Purpose(Use.PRE_TRAINING)) is Decision.ALLOW
    assert statement.decide(Purpose(Use.SEARCH)) is Decision.DISALLOW
    assert from_aipref("bots=n").decide(Purpose(Use.EVALUATION)) is Decision.DISALLOW
    assert from_aipref("inference=n").decide(Purpose(Use.RETRIEVAL)) is Decision.DISALLOW
    output = from_aipref("ai-output=n")
    assert output.decide(Purpose(Use.SEARCH)) is Decision.DISALLOW
    assert output.decide(Purpose(Use.PRE_TRAINING)) is Decision.UNKNOWN


def test_writing_aipref_widens_sub_nodes_to_their_category():
    assert to_aipref(Statement((Rule.reservation(Use.FINE_TUNING),))) == "train-ai=n"
    assert to_aipref(Statement((Rule.reservation(Use.EVALUATION),))) == "ai-use=n"
    assert to_aipref(Statement((Rule.reservation(Use.ANY),))) == "train-ai=n, ai-use=n, search=n"
    allowed_search = Statement((Rule.reservation(Use.AI_TRAINING), Rule(Use.SEARCH, allow=True)))
    assert to_aipref(allowed_search) == "train-ai=n, search=y"
    # A partial allow under a category cannot be written as an allow of all of it.
    partial = Statement((Rule(Use.FINE_TUNING, allow=True),))
    assert to_aipref(partial) == ""


def test_aipref_round_trip_for_every_latest_label():
    for text in ("train-ai=n", "ai-use=n", "search=n", "train-ai=y, ai-use=n, search=y"):
        assert to_aipref(from_aipref(text)) == text


# --- Content Signals ---


def test_content_signal_line_from_the_policy_text():
    statement = from_content_signal("ai-train=no, search=yes, ai-input=yes")
    assert statement.decide(Purpose(Use.FINE_TUNING)) is Decision.DISALLOW
    assert statement.decide(Purpose(Use.EVALUATION)) is Decision.ALLOW
    assert statement.decide(Purpose(Use.SEARCH)) is Decision.ALLOW
    assert to_content_signal(statement) == "ai-train=no, ai-input=yes, search=yes"
    # aipref's y/n are not Content Signals values.
    assert from_content_signal("ai-train=n").rules == ()


# --- TDMRep ---

RESEARCH_POLICY = {
    "@context": ["http://www.w3.org/ns/odrl.jsonld", "http://www.w3.org/ns/tdmrep.jsonld"],
    "@type": "Offer",
    "profile": "http://www.w3.org/ns/tdmrep",
    "permission": [
        {
            "action": "tdm:mine",
            "constraint": [
                {"leftOperand": "purpose", "operator": "eq", "rightOperand": "tdm:research"}
            ],
        },
        {
            "action": "tdm:mine",
            "constraint": [
                {"leftOperand": "purpose", "operator": "eq", "rightOperand": "tdm:non-research"}
            ],
            "duty": [{"action": "obtainConsent"}],
        },
    ],
}


def test_tdmrep_reservation_reserves_every_use():
    statement = from_tdmrep(1)
    assert covered_uses(statement) == set(Use)


def test_tdmrep_research_permission_becomes_the_research_only_exception():
    statement = from_tdmrep(1, RESEARCH_POLICY)
    assert covers(statement, "pre-training")
    assert not covers(statement, "pre-training;research-only")
    assert to_tdmrep(statement)["tdm-reservation"] == 1
    assert to_tdmrep(statement)["policy"]["permission"][0]["constraint"][0]["rightOperand"] == (
        "tdm:research"
    )


def test_tdmrep_permission_with_a_duty_grants_nothing():
    consent_only = {"permission": [{"action": "tdm:mine", "duty": [{"action": "obtainConsent"}]}]}
    assert covers(from_tdmrep(1, consent_only), "search;research-only")


@pytest.mark.parametrize("value", ["1", True, 1.0, 2, None])
def test_tdmrep_values_other_than_0_or_1_are_unknown(value):
    assert from_tdmrep(value).rules == ()


def test_tdmrep_zero_is_an_allow_that_never_beats_an_opt_out():
    site = from_tdmrep(0)
    author = Statement((Rule.reservation(Use.EVALUATION),))
    assert site.decide(Purpose(Use.EVALUATION)) is Decision.ALLOW
    assert decide([site, author], Purpose(Use.EVALUATION)) is Decision.DISALLOW
    assert to_tdmrep(site) == {"tdm-reservation": 0}


def test_writing_tdmrep_is_stricter_never_looser():
    partial = Statement((Rule.reservation(Use.FINE_TUNING, ["non-commercial"]),))
    assert to_tdmrep(partial) == {"tdm-reservation": 1}


def test_mapping_table_covers_every_node():
    table = {row["node"]: row for row in mapping_table()}
    assert set(table) == {u.value for u in Use}
    assert table["pre-training"]["aipref"] == "train-ai=n"
    assert table["evaluation"]["content_signals"] == "ai-input=no"
    assert "train-genai" in table["ai-training"]["read_from_aipref"]
    assert table["search"]["parent"] == "any"
