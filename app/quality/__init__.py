"""Quality control: consensus, agreement, gold, dynamic overlap, pauses, review.

See docs/quality.md.
"""
