"""The tutorial's upsert, plus what many services add: a server-made id.

PUT /labels/{label_id} takes the tutorial's body (`name` and `size`, both
optional `Body()` parameters) and answers 201 or 200 with the item and its
`id`, documented by a `response_model`. The item is the tutorial's, but the
echo is not exactly the item: check must see from the document that the
extra field is promised and not demand an exact echo.

FLAW (environment) makes it wrong in one way, for tests that check must
fail: merge, created200, casefold, race, noecho.
"""

import asyncio
import os
from typing import Annotated

from fastapi import Body, FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel

FLAW = os.environ.get("FLAW", "")

app = FastAPI(title="labels")


class Label(BaseModel):
    id: str
    name: str | None = None
    size: int | None = None


labels: dict[str, dict] = {}


@app.put(
    "/labels/{label_id}",
    response_model=Label,
    responses={201: {"model": Label, "description": "Created"}},
)
async def upsert_label(
    label_id: str,
    name: Annotated[str | None, Body()] = None,
    size: Annotated[int | None, Body()] = None,
):
    key = label_id.casefold() if FLAW == "casefold" else label_id
    existed = key in labels
    if FLAW == "race":
        # Check, then insert later: concurrent first PUTs all see "absent".
        await asyncio.sleep(0.02)
    sent = {"name": name, "size": size}
    if FLAW == "merge" and existed:
        labels[key] = {**labels[key], **{k: v for k, v in sent.items() if v is not None}}
    else:
        labels[key] = sent
    status = 200 if existed or FLAW == "created200" else 201
    if FLAW == "noecho":
        return JSONResponse(status_code=status, content={"ok": True})
    return JSONResponse(status_code=status, content={"id": label_id, **labels[key]})
