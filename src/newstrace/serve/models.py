"""The API's request bodies: pydantic models with limits, so bad input is refused with a reason.

Responses are the library's own versioned documents (`newstrace.compare/1`, `newstrace.trace/1`,
the `index add --json` report); they are built by the library, not restated here.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from newstrace.embed import ENCODERS
from newstrace.index.ingest import BATCH, MAX_TEXT_BYTES

EncoderName = Literal[ENCODERS]  # type: ignore[valid-type]


# pydantic's own str validation refuses lone surrogates (JSON can carry them; Unicode text cannot)
Text = Annotated[str, Field(max_length=MAX_TEXT_BYTES)]
Short = Annotated[str, Field(max_length=2048)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class ArticleIn(_Strict):
    """One article: its plain `text`, or an HTML page in `html` (its main text is extracted)."""

    text: Text | None = Field(None, description="Plain text; a leading ` date YYYY-MM-DD` line and a dateline are read")
    html: Text | None = Field(None, description="An HTML page; offsets then index its extracted main text")

    @model_validator(mode="after")
    def _one_of(self) -> ArticleIn:
        given = [k for k in ("text", "html") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give the article as `text` or as `html` (exactly one of them)")
        if not getattr(self, given[0]).strip():
            raise ValueError(f"the article's `{given[0]}` is empty")
        return self


class CompareRequest(_Strict):
    """Is `suspect` derived from `source`, and how?"""

    source: ArticleIn
    suspect: ArticleIn
    encoder: EncoderName | None = Field(None, description="minilm (default, as the CLI) or static (~100x faster)")
    view: bool = Field(False, description="Also return `view`: the texts and the plain-language summary (the page)")


class TraceRequest(_Strict):
    """Find the article's sources in the server's index."""

    article: ArticleIn
    top: int = Field(3, ge=1, le=20, description="How many sources to show (each is verified)")
    since: str | None = Field(None, max_length=10, description="Only sources published on or after this ISO date")
    encoder: EncoderName | None = Field(None, description="static (default, as the CLI) or minilm")
    view: bool = Field(False, description="Also return `view`: the texts and a summary per source (the page)")

    @field_validator("since")
    @classmethod
    def _iso(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"since must be an ISO date (YYYY-MM-DD), got {value!r}") from None
        return value


class DocumentIn(_Strict):
    """A document for the index, as a line of `newstrace index add` JSONL."""

    id: Annotated[str, Field(min_length=1, max_length=512)]
    text: Text | None = None
    html: Text | None = None
    title: Short | None = None
    url: Short | None = Field(None, description="Stored as metadata only: the server never fetches it")
    outlet: Short | None = None
    published: Short | None = Field(None, description="ISO date or datetime; anything else is dropped, with a warning")

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("id is blank")
        return value

    @model_validator(mode="after")
    def _content(self) -> DocumentIn:
        if not (self.text and self.text.strip()) and not (self.html and self.html.strip()):
            raise ValueError("the document has no content: give `text` or `html`")
        return self


class DocumentsRequest(_Strict):
    """A batch of documents written in one transaction."""

    documents: list[DocumentIn] = Field(min_length=1, max_length=BATCH)
