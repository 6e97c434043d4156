"""Diagnosis: metrics, failure classifier, strategy detector, comparison and statistics."""
