"""The scan a memory card must pass before it may be replayed: nothing secret, nothing that
sends the agent to hidden material, nothing that weakens the tests, nothing that speaks to
the model as its operator, and short enough to be a lesson.

The scan reads the card's text fields (content, pattern, strategy and each step) one by
one and reports every finding with the field and the phrase that triggered it; a secret is
named by its kind, never quoted. It is deliberately narrow: the anchor's regex scan rejects
ordinary debugging advice (running pytest from `subprocess`, `ast.literal_eval`, a path
under /home, an e-mail address), which throws away exactly the lessons memory is for. Here a
phrase counts only when it *does* the forbidden thing — "edit the test" does, "read the
failing test" and "never edit the tests" do not — and the phrase lists below say, each, why
they are there.

Negation is read the way a person reads it: a hidden-material or test-tampering phrase is
ordinary when a negation ("never", "do not", "instead of", ...) governs it, that is when
only filler words ("ever", "try to", "add", "the", ...) stand between the two inside one
clause. "Don't fix the code, edit the test" is still caught: "fix the code" stands between.
Prompt injection, secrets and size are never excused by a negation.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from fixloop.improve.memory.card import MAX_CARD_TOKENS, MemoryCard
from fixloop.store.redaction import is_secret_name, redact_text

ScanCheck = Literal["secret", "hidden_material", "test_tampering", "prompt_injection", "size"]


class ScanFinding(BaseModel):
    """One reason a card fails the scan."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    check: ScanCheck = Field(description="Which check found it.")
    detail: str = Field(
        description="Where and what: the field and the offending phrase; a secret only by its kind."
    )


class ScanResult(BaseModel):
    """The scan's verdict on one card: it passes exactly when there is no finding."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    passed: bool = Field(description="True when the card has no finding.")
    findings: list[ScanFinding] = Field(default_factory=list, description="Every finding, in field order.")

    @model_validator(mode="after")
    def _passed_means_no_findings(self) -> ScanResult:
        if self.passed == bool(self.findings):
            raise ValueError("a scan passes exactly when it has no findings")
        return self


_VERB_FORMS = (
    r"edit(?:s|ed|ing)?|delet(?:e|es|ed|ing)|remov(?:e|es|ed|ing)|modif(?:y|ies|ied|ying)"
    r"|chang(?:e|es|ed|ing)|rewrit(?:e|es|ing|ten)|rewrote|alter(?:s|ed|ing)?|weaken(?:s|ed|ing)?"
    r"|relax(?:es|ed|ing)?|loosen(?:s|ed|ing)?|disabl(?:e|es|ed|ing)|skip(?:s|ped|ping)?"
    r"|tweak(?:s|ed|ing)?|adjust(?:s|ed|ing)?|overwrit(?:e|es|ing|ten)|overwrote|drop(?:s|ped|ping)?"
    r"|comment(?:s|ed|ing)?\s+out|updat(?:e|es|ed|ing)|replac(?:e|es|ed|ing)|hack(?:s|ed|ing)?"
    r"|silenc(?:e|es|ed|ing)|stub(?:s|bed|bing)?\s+out|patch(?:es|ed|ing)?|xfail(?:s|ed|ing)?"
    r"|soften(?:s|ed|ing)?|fudg(?:e|es|ed|ing)"
)
"""Verbs that change, remove or switch off what they act on, in every form a lesson uses."""

_PASSIVE_FORMS = (
    r"edited|deleted|removed|modified|changed|rewritten|altered|weakened|relaxed|loosened|disabled"
    r"|skipped|commented\s+out|updated|replaced|overwritten|dropped|xfailed|patched|tweaked|adjusted"
    r"|softened|marked\s+(?:as\s+)?(?:skip(?:ped)?|xfail)"
)

_TEST_OBJECT = (
    r"(?:(?:the|a|an|any|all|that|this|those|these|every|each|its|their|your|our|some|one|failing"
    r"|failed|broken|flaky|offending|existing|relevant|stubborn|problematic|unit|integration"
    r"|original|given|graded|red|remaining|other)\s+)*"
    r"(?:[\w-]+\s+)?"
    r"(?:tests?(?:[ _-](?:files?|cases?|suites?|functions?|modules?|code|expectations?|data|fixtures?))?"
    r"|assert(?:ions?|s)?|expected\s+(?:values?|outputs?|results?)"
    r"|test_\w+\.py|tests?/(?!\S*__pycache__)\S+|conftest(?:\.py)?)(?![\w-])"
)
"""What a tampering verb must act on to count: the tests, their assertions or their files,
after determiners and at most one other word ("the flaky network test")."""

HIDDEN_MATERIAL: dict[str, re.Pattern[str]] = {
    "names the hidden tests": re.compile(
        r"\b(?:hidden|held[- ]out|secret|private|grader'?s?|grading)\s+"
        r"(?:tests?|test\s+(?:files?|cases?|suites?)|checks?|assertions?)\b",
        re.IGNORECASE,
    ),
    "names the reference fix": re.compile(
        r"\b(?:reference|gold(?:en)?|ground[- ]truth|canonical|oracle)\s+"
        r"(?:fix|fixes|solutions?|patch|patches|answers?|diff)\b|\breference_fix\b|\bfixed_files\b"
        r"|\banswer[- ]key\b",
        re.IGNORECASE,
    ),
    "says where the answer is": re.compile(
        r"\b(?:expected|correct|right|real)\s+answers?\s+(?:is|are|lives?|sits?|can\s+be\s+found|"
        r"is\s+(?:stored|kept|saved))\s+(?:in|at|under|inside)\b"
        r"|\bsolution\s+is\s+(?:stored|kept|saved|written)\s+(?:in|at|under)\b",
        re.IGNORECASE,
    ),
    "opens a solution file": re.compile(
        r"\b(?:open|read|cat|view|look\s+(?:at|in|into)|ls|list|browse|peek\s+(?:at|into)|cd(?:\s+into)?"
        r"|check|grep|search|copy(?:\s+from)?)\s+[`'\"]?(?:\S*/)?"
        r"(?:solutions?/|answers?/|gold/|(?:solution|answer|reference)\.(?:py|diff|patch)\b|fix\.(?:diff|patch)\b)",
        re.IGNORECASE,
    ),
    "reads the grader": re.compile(
        r"\b(?:read|open|inspect|look\s+at|reverse[- ]engineer)\s+(?:the\s+)?"
        r"(?:grader|grading\s+script|scorer|evaluation\s+harness)\b",
        re.IGNORECASE,
    ),
}
"""The agent never sees the reference fix, nor a task's hidden tests: a lesson that sends it
looking, or that carries what they say, teaches cheating and does not transfer."""

TEST_TAMPERING: dict[str, re.Pattern[str]] = {
    "changes or removes tests": re.compile(
        rf"\b(?:{_VERB_FORMS})(?:\s*(?:,|/|\bor\b|\band\b)\s*(?:{_VERB_FORMS}))*\s+{_TEST_OBJECT}",
        re.IGNORECASE,
    ),
    "has tests changed": re.compile(
        r"\b(?:tests?|assertions?|asserts?)\s+(?:(?:must|should|can|may|could|will|need\s+to|has\s+to"
        rf"|have\s+to)\s+)?(?:be|get|gets|got)\s+(?:{_PASSIVE_FORMS})\b",
        re.IGNORECASE,
    ),
    "skips or expects failure": re.compile(
        r"\bpytest\.(?:skip|xfail|mark\.(?:skip|skipif|xfail))\b|\bunittest\.(?:skip\w*|expectedFailure)\b"
        r"|\bxfail\b|\bskipif\b|\bexpectedFailure\b",
        re.IGNORECASE,
    ),
    "hooks pytest": re.compile(
        r"\bpytest_[a-z_]+\b|\bconftest(?:\.py)?\b[^.;]{0,40}\bhooks?\b|\bhooks?\b[^.;]{0,40}\bconftest\b"
        r"|\b(?:add|write|creat|put|plac|insert|drop)\w*\s+(?:[\w`'\"().-]+\s+){0,4}(?:in|into|to)\s+"
        r"(?:a\s+|the\s+|new\s+)*`?conftest\b"
        r"|\b(?:edit|modif|chang|creat|writ|overwrit|add)\w*\s+(?:a\s+|the\s+|new\s+|your\s+)*`?conftest\b",
        re.IGNORECASE,
    ),
    "makes the tests pass by hand": re.compile(
        r"\bhard[- ]?cod\w*\s+(?:the\s+)?(?:expected|tests?'?s?)\s+(?:values?|outputs?|answers?|results?)"
        r"|\bPYTEST_CURRENT_TEST\b"
        r"|\bdetect\w*\s+(?:whether|if|when)\s+(?:it\s+is\s+|we\s+are\s+|you\s+are\s+)?(?:running\s+)?"
        r"(?:under|in|inside)\s+(?:pytest|the\s+tests?)\b",
        re.IGNORECASE,
    ),
}
"""A fix must make the original tests pass; a lesson that edits, deletes, skips or weakens
them, hooks pytest through conftest.py, or special-cases the test run teaches the agent to
game the grade (the same mechanisms `env.tamper_scan` reports in diffs)."""

PROMPT_INJECTION: dict[str, re.Pattern[str]] = {
    "overrides earlier instructions": re.compile(
        r"\b(?:ignore|disregard|forget|override|bypass)\s+(?:(?:all|any|the|your|every|of)\s+)*"
        r"(?:(?:previous|prior|earlier|above|preceding|former|original|system|developer|existing)\s+)+"
        r"(?:instructions?|prompts?|rules?|directions?|guidelines?|constraints?|messages?|context)\b"
        r"|\b(?:ignore|disregard|forget|override|bypass)\s+(?:the\s+|your\s+)?(?:system|developer)\s+"
        r"(?:prompt|message)\b|\bforget\s+everything\b",
        re.IGNORECASE,
    ),
    "reassigns the model's role": re.compile(
        r"\byou\s+are\s+now\s+(?:a|an|the|no\s+longer|free|unrestricted|allowed|permitted|in\s+\w+\s+mode)\b"
        r"|(?:^|[.;:!?]\s+|\byou\s+(?:must|should|will|shall|now)\s+|\bplease\s+|\bnow\s+)act\s+as\b"
        r"|\bpretend\s+(?:to\s+be|you\s+are)\b|\brole-?play\s+as\b|\bfrom\s+now\s+on,?\s+you\b"
        r"|\bdeveloper\s+mode\b|\bjailbreak",
        re.IGNORECASE,
    ),
    "issues new instructions": re.compile(
        r"\b(?:new|updated|revised|real|actual|true|secret)\s+instructions?\s*:", re.IGNORECASE
    ),
    "asks for the prompt": re.compile(
        r"\b(?:reveal|print|show|repeat|output|leak)\s+(?:your|the)\s+(?:system\s+prompt|instructions"
        r"|hidden\s+prompt)\b",
        re.IGNORECASE,
    ),
    "speaks as a chat role": re.compile(
        r"(?:^|[\s\[(])(?:SYSTEM|ASSISTANT|DEVELOPER|USER|HUMAN)\s*(?::|\])"
        r"|<\|?(?:im_start|im_end|system|assistant|user)\|?>|</?system>|\[/?INST\]|<</?SYS>>"
        r"|(?:^|[.!?]\s+)(?:System|Assistant|Developer)\s*:"
    ),
}
"""A card is read inside the agent's prompt: text that addresses the model as its operator
(overriding instructions, reassigning its role, forging chat headers) is an attack on every
agent the card would reach, not a lesson."""

SECRET_ASSIGNMENT = re.compile(r"(?<![\w-])([A-Za-z][\w.-]*)\s*[:=]\s*[\"'`]?([^\s\"'`,;()\[\]{}]{6,})")
"""`name=value` or `name: value`; a secret when the name sounds like one (`is_secret_name`)
and the value is a literal mixing letters and digits (so `max_tokens: 2048` and
`api_key=$API_KEY` stay), because a lesson has no use for a credential's value."""

NEGATIONS = frozenset(
    {
        "never", "not", "no", "don't", "dont", "doesn't", "avoid", "avoiding", "without", "nor",
        "cannot", "can't", "mustn't", "shouldn't", "won't", "stop", "refrain",
    }
)  # fmt: skip
"""Words that, governing a phrase, make it advice against the thing."""

NEGATION_PAIRS = frozenset({("instead", "of"), ("rather", "than")})
"""Two-word negations: "instead of editing the test" is advice against editing it."""

NEGATION_FILLERS = frozenset(
    {
        "ever", "even", "just", "simply", "try", "trying", "to", "attempt", "attempting", "need",
        "have", "go", "and", "or", "bother", "bothering", "under", "any", "circumstances", "at",
        "point", "you", "yourself", "be", "tempted", "add", "adding", "use", "using", "put",
        "putting", "mark", "marking", "call", "calling", "write", "writing", "insert", "inserting",
        "resort", "resorting", "reach", "reaching", "for", "the", "a", "an", "test", "tests", "as",
        "with", "it", "them", "in", "into", "look", "looking", "read", "reading", "open", "opening",
        "peek", "peeking", "check", "checking", "consult", "consulting", "copy", "copying", "rely",
        "relying", "on", "search", "searching", "access", "accessing", "from", "of", "rather",
        "instead", "decorator", "marker", "do",
    }
)  # fmt: skip
"""Words that may stand between a negation and the phrase it governs. Content words ("fix
the code") may not: they are what the negation is about."""

_CLAUSE_BREAK = re.compile(r"[;!?\n]|[.:](?=\s|$)|\b(?:but|however|then|so)\b", re.IGNORECASE)
_WORD = re.compile(r"[\w'@.]+")
_MARKER_WORD = re.compile(r"@?[\w.]*(?:skip|xfail)[\w.]*")


def _negated(text: str, start: int) -> bool:
    """True when a negation in the same clause governs the phrase that starts at `start`."""
    clause = _CLAUSE_BREAK.split(text[:start])[-1]
    words = [word.strip(".'") for word in _WORD.findall(clause.lower().replace("\u2019", "'"))]
    for index in range(len(words) - 1, -1, -1):
        word = words[index]
        if word in NEGATIONS or (index > 0 and (words[index - 1], word) in NEGATION_PAIRS):
            return True
        if word not in NEGATION_FILLERS and not _MARKER_WORD.fullmatch(word):
            return False
    return False


def _quote(phrase: str) -> str:
    """The phrase as a finding shows it: one line, short, and with any secret in it withheld."""
    phrase = " ".join(phrase.split())
    return redact_text(phrase if len(phrase) <= 80 else phrase[:77] + "...")


def _phrase_findings(
    field: str,
    text: str,
    check: ScanCheck,
    patterns: dict[str, re.Pattern[str]],
    *,
    excuse_negated: bool,
) -> list[ScanFinding]:
    findings = []
    for meaning, pattern in patterns.items():
        for match in pattern.finditer(text):
            if excuse_negated and _negated(text, match.start()):
                continue
            findings.append(
                ScanFinding(check=check, detail=f'{field}: {meaning}: "{_quote(match.group(0))}"')
            )
    return findings


def _secret_findings(field: str, text: str) -> list[ScanFinding]:
    findings = []
    if redact_text(text) != text:
        findings.append(
            ScanFinding(check="secret", detail=f"{field}: holds an API key, token or URL password (withheld)")
        )
    for match in SECRET_ASSIGNMENT.finditer(text):
        name, value = match.group(1), match.group(2)
        mixed = any(c.isalpha() for c in value) and any(c.isdigit() for c in value)
        if is_secret_name(name) and mixed and not value.startswith(("$", "<", "{", "%")):
            findings.append(
                ScanFinding(check="secret", detail=f"{field}: sets {name!r} to a literal value (withheld)")
            )
    return findings


def _fields(card: MemoryCard) -> list[tuple[str, str]]:
    fields = [("content", card.content), ("pattern", card.pattern), ("strategy", card.strategy)]
    fields += [(f"steps[{index}]", step) for index, step in enumerate(card.steps)]
    return [(name, text) for name, text in fields if text]


def scan_card(card: MemoryCard) -> ScanResult:
    """Scan `card`'s content, pattern, strategy and steps. The card passes when no check finds
    anything: no secret, no hidden material, no test tampering, no prompt injection, and its
    rendered text within `MAX_CARD_TOKENS`. Never raises on a card's text."""
    findings: list[ScanFinding] = []
    for field, text in _fields(card):
        findings += _secret_findings(field, text)
        findings += _phrase_findings(field, text, "hidden_material", HIDDEN_MATERIAL, excuse_negated=True)
        findings += _phrase_findings(field, text, "test_tampering", TEST_TAMPERING, excuse_negated=True)
        findings += _phrase_findings(field, text, "prompt_injection", PROMPT_INJECTION, excuse_negated=False)
    if card.tokens > MAX_CARD_TOKENS:
        findings.append(
            ScanFinding(
                check="size", detail=f"{card.tokens} tokens; a card may have at most {MAX_CARD_TOKENS}"
            )
        )
    unique = list(dict.fromkeys(findings))
    return ScanResult(passed=not unique, findings=unique)
