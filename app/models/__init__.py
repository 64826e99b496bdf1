"""All ORM models, importable from one place (Alembic autogenerate reads ``Base.metadata``)."""

from app.models.audit import AuditEvent
from app.models.auth import ApiToken, Session
from app.models.base import Base
from app.models.enums import (
    DataKind,
    DatasetStatus,
    Domain,
    EnterpriseKind,
    ExportLabels,
    ExportStatus,
    JobStatus,
    Locale,
    Role,
)
from app.models.exports import Export
from app.models.imports import ImportedLabel
from app.models.ingest import Dataset, GoldAnswer, IngestRejection, Item, Task
from app.models.jobs import JobVendor, LabelingJob
from app.models.labeling import (
    Assignment,
    AssignmentState,
    JobAnnotator,
    Label,
    LabelStatus,
    SlotState,
    TaskSlot,
)
from app.models.quality import (
    ConsensusState,
    ItemConsensus,
    JobQuality,
    QcDirty,
    Review,
    ReviewAction,
)
from app.models.stats import (
    AnnotatorMonth,
    AwardRule,
    TeamDaily,
    TeamHourly,
    WorkDaily,
    WorkHourly,
)
from app.models.tenancy import Enterprise, Team, User
from app.models.webhooks import DeliveryStatus, Webhook, WebhookDelivery, WebhookEvent

__all__ = [
    "AnnotatorMonth",
    "ApiToken",
    "Assignment",
    "AssignmentState",
    "AuditEvent",
    "AwardRule",
    "Base",
    "ConsensusState",
    "DataKind",
    "Dataset",
    "DatasetStatus",
    "DeliveryStatus",
    "Domain",
    "Enterprise",
    "EnterpriseKind",
    "Export",
    "ExportLabels",
    "ExportStatus",
    "GoldAnswer",
    "ImportedLabel",
    "IngestRejection",
    "Item",
    "ItemConsensus",
    "JobAnnotator",
    "JobQuality",
    "JobStatus",
    "JobVendor",
    "Label",
    "LabelStatus",
    "LabelingJob",
    "Locale",
    "QcDirty",
    "Review",
    "ReviewAction",
    "Role",
    "Session",
    "SlotState",
    "Task",
    "TaskSlot",
    "Team",
    "TeamDaily",
    "TeamHourly",
    "User",
    "Webhook",
    "WebhookDelivery",
    "WebhookEvent",
    "WorkDaily",
    "WorkHourly",
]
