"""`Skill`: a versioned markdown document of rules, each with a stable id and its provenance.

A skill is what skill training improves and what the agent reads (`AgentContext.skill`
holds `Skill.markdown()`). Its markdown format is also the file a user hand-writes:

    # <title>

    ## <section title>
    - [R1] rule text
    - [R2] rule text

    ## Slow update (protected)
    - [S1] guidance

Rules are bullets (`- ` or `* `) under a `## Section` heading; the `[ID]` tag is optional
when writing by hand, and a rule without one gets a fresh id when parsed. Ids are stable:
an edit addresses a rule by id, so existing rules are never renumbered. Ordinary rules are
`R<n>`; the protected section's are `S<n>`, and only `with_slow_update` writes them, so the
fast (per-step) edits can never undo what the slow update consolidated.

`parse(markdown())` gives the same skill back except provenance, which the markdown does not
carry, and `parse(text).markdown()` is a fixed point. A file that does not parse raises
`SkillParseError` naming the line and how to fix it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from fixloop.models.base import estimated_tokens

PROTECTED_SECTION = "Slow update"
"""The title of the one protected section (in `Skill.rules()`)."""

PROTECTED_HEADING = f"{PROTECTED_SECTION} (protected)"
"""The protected section's heading in the markdown."""

DEFAULT_TITLE = "Skill"
"""The title of a skill whose file has no `# title` line."""

MAX_RULE_CHARS = 400
"""The longest rule text: a rule is one instruction, not an essay."""

_RULE_ID = re.compile(r"[RS][1-9][0-9]*")
_LEADING_TAG = re.compile(r"\[([^\]\s]*)\](?=\s|$)")
_HEADING = re.compile(r"(#+)(?:\s+(.*))?")
_BULLET = re.compile(r"[-*](?:\s+(.*))?")


class SkillParseError(ValueError):
    """A skill file does not parse; the message names the line and how to fix it."""


def is_protected_title(title: str) -> bool:
    """Whether `title` names the protected section ("Slow update", with or without "(protected)")."""
    return " ".join(title.split()).casefold() in {PROTECTED_SECTION.casefold(), PROTECTED_HEADING.casefold()}


def clean_rule_text(text: str) -> str:
    """`text` as a rule holds it: whitespace (newlines included) collapsed to single spaces.

    Raises ValueError, with a reason a person can act on, when the text is empty, longer than
    MAX_RULE_CHARS, or starts with an `[ID]`-like tag (which a reader, and the parser once the
    real tag is removed by hand, would take for the rule's id).
    """
    cleaned = " ".join(text.split())
    if not cleaned:
        raise ValueError("the rule text is empty")
    if len(cleaned) > MAX_RULE_CHARS:
        raise ValueError(
            f"the rule text is {len(cleaned)} characters, over the limit of {MAX_RULE_CHARS}: "
            "split it into shorter rules"
        )
    tag = _LEADING_TAG.match(cleaned)
    if tag:
        raise ValueError(
            f"the rule text starts with {tag.group(0)!r}, which reads as a rule id: drop it "
            "(the skill assigns ids)"
        )
    return cleaned


class EpisodeCitation(BaseModel):
    """An episode a rule was learned from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run: str = Field(description="The run's name in the store.")
    task_id: str = Field(description="The task the episode attempted.")
    episode_index: int = Field(description="The episode's index within its run.")


class Provenance(BaseModel):
    """Where a rule came from: written by hand, by a reflection at a training step, or the slow update."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    origin: Literal["hand_written", "reflection", "slow_update"] = Field(
        default="hand_written", description="What wrote the rule."
    )
    training: str | None = Field(default=None, description="The name of the training that produced it.")
    step: int | None = Field(default=None, description="The training step that produced it.")
    episodes: tuple[EpisodeCitation, ...] = Field(default=(), description="The evidence episodes.")
    evidence: tuple[str, ...] = Field(
        default=(), description="Short evidence lines (the failure classifier's evidence and the like)."
    )


class Rule(BaseModel):
    """One instruction of a skill. Its text is normalised by `clean_rule_text` on construction."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="'R<n>' for ordinary rules, 'S<n>' for the protected section's.")
    text: str = Field(description=f"One line, whitespace collapsed, at most {MAX_RULE_CHARS} characters.")
    provenance: Provenance = Field(default_factory=Provenance, description="Where the rule came from.")

    @field_validator("id")
    @classmethod
    def _well_formed_id(cls, value: str) -> str:
        if not _RULE_ID.fullmatch(value):
            raise ValueError(f"rule id {value!r} is not R<n> or S<n> (n from 1)")
        return value

    @field_validator("text")
    @classmethod
    def _clean_text(cls, value: str) -> str:
        return clean_rule_text(value)


class Section(BaseModel):
    """An ordinary (unprotected) section: a title and its rules in order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(description="One line; never the protected section's title.")
    rules: tuple[Rule, ...] = Field(default=(), description="The section's rules, in order.")


class Skill(BaseModel):
    """A skill document. `version_id` names its content (provenance included)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(default=DEFAULT_TITLE, description="The document's '# title'.")
    sections: tuple[Section, ...] = Field(
        default=(), description="The ordinary sections in order; never the protected one."
    )
    slow_update: tuple[Rule, ...] = Field(
        default=(), description="The protected section's rules; only `with_slow_update` writes them."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Skill:
        for name, text in [("title", self.title), *(("section title", s.title) for s in self.sections)]:
            if not text.strip() or text != text.strip() or "\n" in text:
                raise ValueError(f"the {name} {text!r} must be one non-empty line without outer spaces")
        titles = [section.title for section in self.sections]
        for title in titles:
            if is_protected_title(title):
                raise ValueError(f"section {title!r} is the protected one: only with_slow_update writes it")
            if titles.count(title) > 1:
                raise ValueError(f"two sections are titled {title!r}")
        ids = [rule.id for _, rule in self.rules()]
        for section in self.sections:
            for rule in section.rules:
                if not rule.id.startswith("R"):
                    raise ValueError(f"{rule.id} is in section {section.title!r}: ordinary rules have R ids")
        for rule in self.slow_update:
            if not rule.id.startswith("S"):
                raise ValueError(f"{rule.id} is in the protected section, whose rules have S ids")
        duplicated = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
        if duplicated:
            raise ValueError(f"rule ids used more than once: {', '.join(duplicated)}")
        return self

    @property
    def version_id(self) -> str:
        """12 hex digits of the sha256 of the canonical JSON of the skill; equal skills share it."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:12]

    @property
    def tokens(self) -> int:
        """The estimated tokens the skill's markdown costs in a prompt."""
        return estimated_tokens(self.markdown())

    def markdown(self) -> str:
        """The skill as the agent reads it and a user writes it; "" for an empty skill."""
        if not self.sections and not self.slow_update and self.title == DEFAULT_TITLE:
            return ""
        lines = [f"# {self.title}"]
        blocks = [(section.title, section.rules) for section in self.sections]
        if self.slow_update:
            blocks.append((PROTECTED_HEADING, self.slow_update))
        for title, rules in blocks:
            lines += ["", f"## {title}", *(f"- [{rule.id}] {rule.text}" for rule in rules)]
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, text: str, *, provenance: Provenance | None = None) -> Skill:
        """The skill `text` holds (the format in the module docstring).

        Every rule gets `provenance` (hand-written when None). Rules without an `[ID]` tag get
        fresh ids after the highest one the file uses, in file order. Raises SkillParseError
        ("line N: ...") for text outside a rule, a rule before any section, a malformed,
        duplicate or misplaced id, an empty or over-long rule, or an unknown heading.
        """
        return _Parser(provenance or Provenance()).parse(text)

    def rule(self, rule_id: str) -> Rule | None:
        """The rule with id `rule_id`, or None."""
        return next((rule for _, rule in self.rules() if rule.id == rule_id), None)

    def rules(self) -> list[tuple[str, Rule]]:
        """(section title, rule) for every rule in document order, the protected section's last."""
        pairs = [(section.title, rule) for section in self.sections for rule in section.rules]
        return pairs + [(PROTECTED_SECTION, rule) for rule in self.slow_update]

    def with_slow_update(self, texts: Sequence[str], provenance: Provenance) -> Skill:
        """This skill with the protected section replaced by `texts` as rules S1, S2, ...

        The only way to write the protected section. Raises ValueError when a text is not a
        valid rule (see `clean_rule_text`) or two texts are the same.
        """
        cleaned = [clean_rule_text(text) for text in texts]
        keys = [text.casefold() for text in cleaned]
        repeated = sorted({text for text, key in zip(cleaned, keys, strict=True) if keys.count(key) > 1})
        if repeated:
            raise ValueError(f"the slow update repeats a rule: {repeated[0]!r}")
        rules = tuple(
            Rule(id=f"S{n}", text=text, provenance=provenance) for n, text in enumerate(cleaned, start=1)
        )
        return Skill(title=self.title, sections=self.sections, slow_update=rules)

    def next_rule_id(self) -> str:
        """The id the next ordinary rule gets: one past the highest R id present ("R1" if none)."""
        return f"R{max((int(rule.id[1:]) for _, rule in self.rules() if rule.id[0] == 'R'), default=0) + 1}"


@dataclass
class _DraftRule:
    line: int
    id: str | None
    parts: list[str]


@dataclass
class _DraftSection:
    line: int
    title: str
    rules: list[_DraftRule] = field(default_factory=list)


class _Parser:
    """Reads a skill file line by line into drafts, then assigns ids and builds the Skill."""

    def __init__(self, provenance: Provenance) -> None:
        self.provenance = provenance
        self.title: str | None = None
        self.sections: list[_DraftSection] = []
        self.protected: _DraftSection | None = None
        self.current: _DraftSection | None = None
        self.last_rule: _DraftRule | None = None

    def parse(self, text: str) -> Skill:
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                self._line(number, line.rstrip())
        return self._build()

    def _line(self, number: int, line: str) -> None:
        if line[0].isspace():
            self._continuation(number, line.strip())
        elif heading := _HEADING.fullmatch(line):
            self._heading(number, len(heading.group(1)), (heading.group(2) or "").strip())
        elif bullet := _BULLET.fullmatch(line):
            self._bullet(number, bullet.group(1) or "")
        else:
            raise SkillParseError(
                f"line {number}: text outside a rule ({_quote(line)}): rules are bullets "
                "('- rule text') under a '## Section' heading, and longer rules continue on "
                "indented lines"
            )

    def _continuation(self, number: int, text: str) -> None:
        if self.last_rule is None:
            raise SkillParseError(
                f"line {number}: indented text with no rule above it ({_quote(text)}): start the "
                "rule with '- ' at the beginning of the line"
            )
        if _BULLET.fullmatch(text):
            raise SkillParseError(
                f"line {number}: nested bullets are not supported ({_quote(text)}): make it a rule "
                "of its own at the beginning of the line"
            )
        self.last_rule.parts.append(text)

    def _heading(self, number: int, level: int, title: str) -> None:
        self.last_rule = None
        if level > 2:
            raise SkillParseError(
                f"line {number}: unsupported heading level {'#' * level}: use '# Title' for the "
                "skill's title and '## Section' for sections"
            )
        if not title:
            raise SkillParseError(f"line {number}: empty heading: write a title after {'#' * level}")
        if level == 1:
            if self.title is not None or self.sections or self.protected:
                raise SkillParseError(
                    f"line {number}: a second '# title' line ({_quote(title)}): a skill has one "
                    "title, on its first line; use '## ' for a section"
                )
            self.title = title
            return
        for earlier in [*self.sections, *([self.protected] if self.protected else [])]:
            if earlier.title == title:
                raise SkillParseError(
                    f"line {number}: section {_quote(title)} already opened on line {earlier.line}: "
                    "merge the two sections"
                )
        if title == PROTECTED_HEADING:
            self.protected = self.current = _DraftSection(number, title)
        elif is_protected_title(title):
            raise SkillParseError(
                f"line {number}: {_quote(title)} is the protected section's name: write its "
                f"heading exactly as '## {PROTECTED_HEADING}', or choose another title"
            )
        else:
            self.current = _DraftSection(number, title)
            self.sections.append(self.current)

    def _bullet(self, number: int, content: str) -> None:
        if self.current is None:
            raise SkillParseError(
                f"line {number}: a rule before any section ({_quote(content)}): put a "
                "'## Section' heading above it"
            )
        rule_id = None
        tag = _LEADING_TAG.match(content)
        if tag:
            rule_id = tag.group(1)
            content = content[tag.end() :].strip()
            self._check_id(number, rule_id, self.current)
        self.last_rule = _DraftRule(number, rule_id, [content] if content else [])
        self.current.rules.append(self.last_rule)

    def _check_id(self, number: int, rule_id: str, section: _DraftSection) -> None:
        if not _RULE_ID.fullmatch(rule_id):
            raise SkillParseError(
                f"line {number}: malformed rule id [{rule_id}]: ids are R<n> (ordinary rules) or "
                "S<n> (the protected section), n from 1; remove the tag to get a fresh id"
            )
        in_protected = section is self.protected
        if in_protected and rule_id.startswith("R"):
            raise SkillParseError(
                f"line {number}: {rule_id} is an ordinary rule id, but the protected section's "
                "rules have S ids: remove the tag to get a fresh S id"
            )
        if not in_protected and rule_id.startswith("S"):
            raise SkillParseError(
                f"line {number}: {rule_id} is a slow-update id, but this rule is in section "
                f"{_quote(section.title)}: remove the tag to get a fresh R id"
            )
        for draft in self._drafts():
            if draft.id == rule_id:
                raise SkillParseError(
                    f"line {number}: rule id {rule_id} is already used on line {draft.line}: remove "
                    "one of the tags to get a fresh id"
                )

    def _drafts(self) -> list[_DraftRule]:
        sections = [*self.sections, *([self.protected] if self.protected else [])]
        return [draft for section in sections for draft in section.rules]

    def _build(self) -> Skill:
        highest = {prefix: _highest_draft(self._drafts(), prefix) for prefix in "RS"}

        def rules(section: _DraftSection, prefix: str) -> tuple[Rule, ...]:
            built = []
            for draft in section.rules:
                try:
                    text = clean_rule_text(" ".join(draft.parts))
                except ValueError as error:
                    raise SkillParseError(f"line {draft.line}: {error}") from None
                rule_id = draft.id
                if rule_id is None:
                    highest[prefix] += 1
                    rule_id = f"{prefix}{highest[prefix]}"
                built.append(Rule(id=rule_id, text=text, provenance=self.provenance))
            return tuple(built)

        sections = tuple(Section(title=s.title, rules=rules(s, "R")) for s in self.sections)
        slow_update = rules(self.protected, "S") if self.protected else ()
        return Skill(title=self.title or DEFAULT_TITLE, sections=sections, slow_update=slow_update)


def _highest_draft(drafts: list[_DraftRule], prefix: str) -> int:
    return max((int(d.id[1:]) for d in drafts if d.id and d.id[0] == prefix), default=0)


def _quote(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")
