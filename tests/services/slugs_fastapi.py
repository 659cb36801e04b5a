"""An upsert endpoint whose path parameter is constrained, in FastAPI.

PUT /v2/pages/{slug}, where `slug` is `Path(min_length=3, max_length=64,
pattern="^[a-z0-9-]+$")`: lower-case letters, digits and dashes only, so
check must make ids the pattern admits (no upper case, no non-ASCII) and
bench must too. The body is a `Page` with a required `title`.

FLAW (environment) makes it wrong in one way, for tests that check must
fail: merge, created200, casefold (here: trailing dashes are stripped from
the slug, so `a-x` and `a-x-` are one page), race, noecho.
"""

import asyncio
import os
from typing import Annotated

from fastapi import FastAPI, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel

FLAW = os.environ.get("FLAW", "")

app = FastAPI(title="slugs")


class Page(BaseModel):
    title: str
    body: str | None = None
    weight: int = 0


pages: dict[str, dict] = {}


@app.put("/v2/pages/{slug}", responses={201: {"description": "Created"}})
async def upsert_page(
    slug: Annotated[str, Path(min_length=3, max_length=64, pattern="^[a-z0-9-]+$")],
    page: Page,
):
    key = slug.rstrip("-") if FLAW == "casefold" else slug
    existed = key in pages
    if FLAW == "race":
        # Check, then insert later: concurrent first PUTs all see "absent".
        await asyncio.sleep(0.02)
    if FLAW == "merge" and existed:
        pages[key] = {**pages[key], **page.model_dump(exclude_unset=True)}
    else:
        pages[key] = page.model_dump()
    status = 200 if existed or FLAW == "created200" else 201
    if FLAW == "noecho":
        return JSONResponse(status_code=status, content={"ok": True})
    return JSONResponse(status_code=status, content=pages[key])
