"""Skills: a versioned markdown document of rules the agent reads, and the ways it changes.

`skill` holds the document (`Skill`: sections of id'd rules with provenance, plus the
protected slow-update section) and its markdown format; `edits` the operations a reflector
proposes (`add`, `insert_after`, `replace`, `delete`, addressed by rule id) and how they
apply; `schedules` how many edits a training step may adopt; `skill_diff` what changed
between two versions. Import from those modules: this package re-exports nothing.
"""
