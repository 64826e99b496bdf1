"""Measured work and money: roll-ups per annotator, job, vendor and park (docs/architecture.md)."""
