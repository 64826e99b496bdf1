"""Export format writers (pure: records in, bytes out) and the Label Studio import parser."""

from app.exports.formats.base import FormatSpec, Writer, WriteSummary
from app.exports.formats.registry import FORMATS, unsuitable

__all__ = ["FORMATS", "FormatSpec", "WriteSummary", "Writer", "unsuitable"]
