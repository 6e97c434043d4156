"""Line-based diffs in unified format, and applying them again."""

from linediff.hunks import Hunk, group_hunks
from linediff.lcs import matching_blocks
from linediff.opcodes import opcodes
from linediff.patch import PatchError, apply_patch
from linediff.unified import unified_diff

__all__ = [
    "Hunk",
    "PatchError",
    "apply_patch",
    "group_hunks",
    "matching_blocks",
    "opcodes",
    "unified_diff",
]
