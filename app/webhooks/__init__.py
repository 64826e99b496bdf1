"""Webhooks: signed calls to a client's URL when its export is ready or a job completed."""
