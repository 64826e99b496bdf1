"""The labeling fixtures (a running job, annotators) serve the import tests too."""

from tests.labeling.conftest import park

__all__ = ["park"]
