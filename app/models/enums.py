"""Closed vocabularies shared by models, schemas and the UI."""

from enum import StrEnum


class EnterpriseKind(StrEnum):
    PARK_OPERATOR = "park_operator"
    CLIENT = "client"  # data-demand company
    VENDOR = "vendor"  # data-service company


class Role(StrEnum):
    PARK_ADMIN = "park_admin"
    ENTERPRISE_ADMIN = "enterprise_admin"
    ANNOTATOR = "annotator"
    QA_LEAD = "qa_lead"
    CLIENT_MEMBER = "client_member"


# Which roles an enterprise kind may hold; mirrored by CHECK constraints on users.
ROLES_BY_KIND: dict[EnterpriseKind, frozenset[Role]] = {
    EnterpriseKind.PARK_OPERATOR: frozenset({Role.PARK_ADMIN, Role.ENTERPRISE_ADMIN}),
    EnterpriseKind.CLIENT: frozenset({Role.ENTERPRISE_ADMIN, Role.CLIENT_MEMBER}),
    EnterpriseKind.VENDOR: frozenset({Role.ENTERPRISE_ADMIN, Role.ANNOTATOR, Role.QA_LEAD}),
}


class Domain(StrEnum):
    ECOMMERCE = "ecommerce"
    SEARCH = "search"
    LOGISTICS = "logistics"
    FINANCE = "finance"  # finance and insurance
    AUTONOMOUS_DRIVING = "autonomous_driving"
    MAPS = "maps"
    MEDICAL = "medical"
    OTHER = "other"


class DataKind(StrEnum):
    IMAGE = "image"
    TEXT = "text"


class JobStatus(StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class DatasetStatus(StrEnum):
    QUEUED = "queued"  # uploaded, ingest job waiting
    PROCESSING = "processing"
    READY = "ready"  # items stored and split into tasks: usable
    FAILED = "failed"  # clearly failed: none of its items are served


class Locale(StrEnum):
    ZH_CN = "zh-CN"
    EN = "en"


class ExportStatus(StrEnum):
    QUEUED = "queued"  # requested, export job waiting
    RUNNING = "running"
    DONE = "done"  # the file is in object storage
    FAILED = "failed"


class ExportLabels(StrEnum):
    CONSENSUS = "consensus"  # one answer per item: the consensus (or the review's)
    RAW = "raw"  # every annotator's label, with the consensus beside it
