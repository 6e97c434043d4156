"""The record types every layer reads: a trajectory, its steps, and the grade.

Rollout produces these, the store keeps them, analysis and improvement read them; they sit
below all of those so that each can import them without importing the others.
"""
