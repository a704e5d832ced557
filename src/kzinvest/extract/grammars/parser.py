"""A yargy Parser that predicts with one token of lookahead (LookaheadParser).

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

The chart loop also predicts a rule once per column, caches predictions per
(rule, token value/type), and fixes yargy's loss of parses through empty rules
(see LookaheadParser.chart).  findall interprets only the resolved matches.
"""
from __future__ import annotations

from yargy import Parser
from yargy.parser import Chart, Match, State, prepare_match, prepare_trees
from yargy.tree import Leaf, Node
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
        # id(rule) -> (all (rank, production), empty ones, [(rank, production, check)])
        self._predictions = {}
        # id(production) -> (terms, [term is a rule], len(terms))
        self._productions = {}
        for r in rules:
            ranked = list(enumerate(r.productions))
            checks = [(i, p, _production_check(p, nullable, first)) for i, p in ranked]
            self._predictions[id(r)] = (
                ranked, [(i, p) for i, p, c in checks if c is None], checks)
            for p in r.productions:
                terms = list(p.terms)
                self._productions[id(p)] = (terms, [is_rule(t) for t in terms], len(terms))

        # Checks read the value and type of a token (and the normal forms,
        # which follow from the value); for numbers only the type, unless some
        # check calls a predicate of its own.  So predictions are cached.
        self._int_by_type = not any(
            c is not None and c.generic
            for _, _, checks in self._predictions.values() for _, _, c in checks)
        self._cache = {}
        self._relations = any(r.relation for r in rules)

    def _predict(self, rule, token):
        ranked, empty, checks = self._predictions[id(rule)]
        if token is None:          # after the last token only an empty production fits
            return empty
        value = None if token.type == "INT" and self._int_by_type else token.value
        key = (id(rule), token.type, value)
        found = self._cache.get(key)
        if found is None:
            if len(self._cache) > 100_000:
                self._cache.clear()
            found = self._cache[key] = [
                (i, p) for i, p, check in checks if check is None or check(token)]
        return found

    def chart(self, text, all=True):
        """Parser.chart with one token of lookahead in prediction, each rule
        predicted once per column, and the classic Earley fix for empty rules:
        a state that starts waiting on a rule after that rule has already
        completed empty in this column is advanced over it too (yargy loses
        such parses: "1.500.000 тенге" was read as "500.000 тенге").

        States, nodes and columns are yargy's own, so trees and
        interpretation work as usual."""
        chart = Chart(self.tagger(self.tokenizer(text)))
        columns = chart.columns
        productions = self._productions
        predict = self._predict
        root = self.rule
        size = len(columns)
        for ci in range(size):
            column = columns[ci]
            next_column = columns[ci + 1] if ci + 1 < size else None
            token = next_column.token if next_column is not None else None
            states, hashes, index = column.states, column.hashes, column.states_index
            predicted = set()
            empty = {}

            def add(state, col=column):
                node = state.node
                key = (id(state.rule), id(state.production), state.dot_index,
                       state.start_column.index, col.index,
                       tuple([id(c) for c in node.children]))
                target = col.hashes
                if key in target:
                    return
                target.add(key)
                col.states.append(state)
                terms, rules, length = productions[id(state.production)]
                dot = state.dot_index
                if dot < length and rules[dot]:
                    col.states_index[id(terms[dot])].append(state)

            def predict_rule(rule):
                if id(rule) in predicted:
                    return
                predicted.add(id(rule))
                for rank, production in predict(rule, token):
                    add(State(rule, production, 0, column, column,
                              Node(rule, production, rank, [])))

            if ci == 0 or all:
                predict_rule(root)
            k = 0
            while k < len(states):          # the list grows while it is walked
                state = states[k]
                k += 1
                terms, rules, length = productions[id(state.production)]
                dot = state.dot_index
                if dot >= length:           # completed: advance the parents
                    start = state.start_column
                    if start is column:
                        empty.setdefault(id(state.rule), []).append(state)
                    for parent in start.states_index.get(id(state.rule), ()):
                        add(State(parent.rule, parent.production, parent.dot_index + 1,
                                  parent.start_column, column,
                                  parent.node.attached(state.node)))
                    continue
                term = terms[dot]
                if rules[dot]:
                    predict_rule(term)
                    for done in empty.get(id(term), ()):
                        add(State(state.rule, state.production, dot + 1,
                                  state.start_column, column, state.node.attached(done.node)))
                elif next_column is not None and term(token):
                    add(State(state.rule, state.production, dot + 1, state.start_column,
                              next_column,
                              state.node.attached(Leaf(term, term.constrain(token)))),
                        next_column)
        return chart

    def findall(self, text):
        """As Parser.findall, but only the matches that survive the overlap
        resolution are interpreted (yargy interprets every candidate span)."""
        trees = sorted(prepare_trees(self.matches(text)))
        best = {}
        for tree in trees:
            best.setdefault(tree.range, tree)
        for span in resolve_spans(list(best)):
            if self._relations:
                match = prepare_match(best[span])
            else:                  # nothing to check: skip the relations pass
                match = Match(best[span].normalized)
            if match:
                yield match
