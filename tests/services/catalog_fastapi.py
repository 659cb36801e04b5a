"""A FastAPI upsert endpoint with the shapes FastAPI apps often have beyond
a flat model: PUT /catalog/{slug} with an embedded body
(`Body(embed=True)`: the request is {"entry": {...}}), a `pattern` field
(`AB-12`), a `Literal`, a free-form dict, and a `response_model` that leaves
out a field that was sent and drops nulls (`response_model_exclude_none`).

FLAW (environment): created200, casefold, race, noecho (merge cannot be
seen through an embedded model whose fields are all sent).
"""

import asyncio
import os
from typing import Literal

from fastapi import Body, FastAPI, Response
from pydantic import BaseModel, Field

FLAW = os.environ.get("FLAW", "")

app = FastAPI(title="catalog")


class Entry(BaseModel):
    title: str
    code: str = Field(pattern=r"^[A-Z]{2}-[0-9]{2,4}$")
    kind: Literal["book", "disc"] = "book"
    note: str | None = None
    attrs: dict[str, int] = {}
    internal: str | None = None


class EntryOut(BaseModel):
    title: str
    code: str
    kind: str
    note: str | None = None
    attrs: dict[str, int] = {}


entries: dict[str, Entry] = {}


@app.put(
    "/catalog/{slug}",
    response_model=EntryOut,
    response_model_exclude_none=True,
    responses={201: {"description": "Created"}},
)
async def put_entry(slug: str, response: Response, entry: Entry = Body(embed=True)):
    key = slug.casefold() if FLAW == "casefold" else slug
    existed = key in entries
    if FLAW == "race":
        await asyncio.sleep(0.02)
    entries[key] = entry
    response.status_code = 200 if existed or FLAW == "created200" else 201
    if FLAW == "noecho":
        return EntryOut(title="", code="", kind="")
    return entry
