"""newstrace: where did this article come from, and what did the rewrite change?"""

from newstrace.compare import compare, compare_documents
from newstrace.errors import InputError, NewstraceError
from newstrace.options import CompareOptions, ScanOptions
from newstrace.scan import ScanResult, scan
from newstrace.textio import Document, load_document, parse_document

__version__ = "0.1.0"

__all__ = [
    "CompareOptions",
    "Document",
    "InputError",
    "NewstraceError",
    "ScanOptions",
    "ScanResult",
    "__version__",
    "compare",
    "compare_documents",
    "load_document",
    "parse_document",
    "scan",
]
