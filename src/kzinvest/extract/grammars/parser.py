"""A yargy Parser that predicts with one token of lookahead.

yargy's Earley parser predicts every production of a rule, whatever the next
token is, and with ``findall`` it predicts the whole grammar at every token.
For a grammar of a few hundred productions that is ~1 ms per token in pure
Python.  Here each BNF production gets the set of predicates that may match
its first token (its FIRST set, with nullable rules looked through), and only
productions whose FIRST set accepts the next token are predicted.  Matches are
the same; the chart is a small fraction of the size.

FIRST sets are compiled into cheap checks: values for eq/in_/caseless/
in_caseless, token types for type(), normal forms for dictionary/normalized,
and the predicate itself for anything else.  A check may accept more than
the predicate does (for and_ it keeps one indexable conjunct): it only prunes.
"""
from __future__ import annotations

from yargy import Parser
from yargy.parser import Chart, State, prepare_match, prepare_trees
from yargy.tree import Node
from yargy.span import resolve_spans
from yargy.predicates.bank import (
    DictionaryPredicate, TypePredicate, caseless, eq, in_, in_caseless,
)
from yargy.predicates.constructors import AndPredicate, OrPredicate
from yargy.rule.bnf import is_rule

__all__ = ["LookaheadParser"]


class _Check:
    """Accepts a token when one of the collected first-token predicates may."""

    __slots__ = ("values", "lowered", "types", "norms", "generic")

    def __init__(self):
        self.values: set = set()
        self.lowered: set = set()
        self.types: set = set()
        self.norms: set = set()
        self.generic: list = []

    def add(self, pred) -> None:
        if isinstance(pred, eq):
            self.values.add(pred.value)
        elif isinstance(pred, in_):
            self.values.update(pred.value)
        elif isinstance(pred, (caseless, in_caseless)):
            self.lowered.update([pred.value] if isinstance(pred, caseless) else pred.value)
        elif isinstance(pred, TypePredicate):
            self.types.add(pred.value)
        elif isinstance(pred, DictionaryPredicate):
            self.norms.update(pred.value)
        elif isinstance(pred, OrPredicate):
            for sub in pred.predicates:
                self.add(sub)
        elif isinstance(pred, AndPredicate):
            indexable = [p for p in pred.predicates
                         if isinstance(p, (eq, in_, caseless, in_caseless, TypePredicate))]
            self.add(indexable[0] if indexable else pred)
        else:
            self.generic.append(pred)

    def __call__(self, token) -> bool:
        value = token.value
        if value in self.values or token.type in self.types:
            return True
        if self.lowered and value.lower() in self.lowered:
            return True
        if self.norms:
            forms = getattr(token, "forms", None)
            if forms is not None:
                if any(f.normalized in self.norms for f in forms):
                    return True
            elif value.lower() in self.norms:
                return True
        return any(p(token) for p in self.generic)


def _first_sets(rules):
    """-> ({id(rule): nullable}, {id(rule): set of first predicates})."""
    nullable = {id(r): False for r in rules}
    first: dict[int, list] = {id(r): [] for r in rules}
    seen: dict[int, set] = {id(r): set() for r in rules}
    changed = True
    while changed:
        changed = False
        for r in rules:
            for production in r.productions:
                all_null = True
                for term in production.terms:
                    if is_rule(term):
                        for p in first[id(term)]:
                            if id(p) not in seen[id(r)]:
                                seen[id(r)].add(id(p))
                                first[id(r)].append(p)
                                changed = True
                        if nullable[id(term)]:
                            continue
                    elif id(term) not in seen[id(r)]:
                        seen[id(r)].add(id(term))
                        first[id(r)].append(term)
                        changed = True
                    all_null = False
                    break
                if all_null and not nullable[id(r)]:
                    nullable[id(r)] = True
                    changed = True
    return nullable, first


def _production_check(production, nullable, first):
    check = _Check()
    for term in production.terms:
        if is_rule(term):
            for p in first[id(term)]:
                check.add(p)
            if nullable[id(term)]:
                continue
        else:
            check.add(term)
        return check
    return None        # the production may be empty: always predict it


class LookaheadParser(Parser):
    def __init__(self, rule, tokenizer=None, tagger=None):
        super().__init__(rule, tokenizer=tokenizer, tagger=tagger)
        rules = self.rule.as_bnf.rules
        nullable, first = _first_sets(rules)
        for r in rules:
            checks = [(p, _production_check(p, nullable, first)) for p in r.productions]
            r.predict = _predictor(r.productions, checks)

    def chart(self, text, all=True):
        """Parser.chart, with the classic Earley fix for empty rules: a state
        that starts waiting on a rule after that rule has already completed
        empty in this column is advanced over it too (yargy loses such parses:
        "1.500.000 тенге" was read as "500.000 тенге")."""
        tokens = self.tagger(self.tokenizer(text))
        chart = Chart(tokens)
        for column, next_column in chart:
            if column.first or all:
                self.predict(column, next_column, self.rule)
            empty = {}
            for state in column:            # the list grows while it is walked
                if state.completed:
                    if state.start_column is column:
                        empty.setdefault(id(state.rule), []).append(state)
                    self.complete(column, state)
                else:
                    next_term = state.next_term
                    if is_rule(next_term):
                        self.predict(column, next_column, next_term)
                        for done in empty.get(id(next_term), ()):
                            column.append(State(
                                state.rule, state.production,
                                dot_index=state.dot_index + 1,
                                start_column=state.start_column, stop_column=column,
                                node=state.node.attached(done.node)))
                    elif next_column:
                        self.scan(next_column, next_term, state)
        return chart

    def predict(self, column, next_column, rule):
        # a rule is predicted once per column (yargy predicts it again for
        # every state waiting on it, then drops the duplicates)
        predicted = column.__dict__.setdefault("predicted", set())
        if id(rule) in predicted:
            return
        predicted.add(id(rule))
        # yargy skips rule.predict after the last token; here it is asked too
        token = next_column.token if next_column else None
        for index, production in enumerate(rule.predict(token)):
            node = Node(rule, production, rank=index, children=[])
            column.append(State(rule, production, dot_index=0, start_column=column,
                                stop_column=column, node=node))

    def findall(self, text):
        """As Parser.findall, but only the matches that survive the overlap
        resolution are interpreted (yargy interprets every candidate span)."""
        trees = sorted(prepare_trees(self.matches(text)))
        best = {}
        for tree in trees:
            best.setdefault(tree.range, tree)
        for span in resolve_spans(list(best)):
            match = prepare_match(best[span])
            if match:
                yield match


def _predictor(productions, checks):
    empty = [p for p, check in checks if check is None]

    def predict(token):
        if token is None:          # after the last token only an empty production fits
            return empty
        return [p for p, check in checks if check is None or check(token)]
    return predict
