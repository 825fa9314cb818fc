"""The library's named exceptions; the CLI and the HTTP API map them to exit and status codes."""


class NewstraceError(Exception):
    """Base class: every error newstrace raises on purpose."""


class InputError(NewstraceError):
    """The input cannot be read as an article (empty, binary, undecodable, too large, malformed)."""


class ModelError(NewstraceError):
    """The bundled embedding model or calibration file is missing or unusable."""


class DatasetError(NewstraceError):
    """An evaluation dataset folder is not in the documented format."""


class IndexUnusable(NewstraceError):
    """The index cannot be opened or is inconsistent."""


class IndexNotFound(IndexUnusable):
    """No index exists at the given place."""


class IndexLocked(IndexUnusable):
    """Another process held the index's write lock for longer than the wait allowed."""


class OutputNotWritable(NewstraceError):
    """An output file cannot be written (its folder is missing or read-only, or it is a folder)."""
