"""Another user's upsert endpoint in FastAPI: PUT /inventory/things/{key}.

A `Thing` with a required `label` (1-40 characters), a `count` that defaults
to 0, an optional float `price`, a uuid `owner`, a date-time `seen` and a
nested `Dims` model. It answers 201 with the thing when it created it and
204 No Content (documented) when it replaced it; GET reads a thing back.

FLAW (environment): merge, created200, casefold, race, noecho.
"""

import asyncio
import os
from datetime import datetime
from uuid import UUID

from fastapi import FastAPI, HTTPException, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

FLAW = os.environ.get("FLAW", "")

app = FastAPI(title="inventory")


class Dims(BaseModel):
    w: float = Field(gt=0)
    h: float = Field(gt=0)


class Thing(BaseModel):
    label: str = Field(min_length=1, max_length=40)
    count: int = 0
    price: float | None = None
    owner: UUID | None = None
    seen: datetime | None = None
    dims: Dims | None = None


things: dict[str, dict] = {}


@app.get("/inventory/things/{key}")
async def read_thing(key: str):
    if key not in things:
        raise HTTPException(status_code=404, detail="no such thing")
    return things[key]


@app.put(
    "/inventory/things/{key}",
    status_code=201,
    responses={204: {"description": "Replaced"}},
)
async def put_thing(key: str, thing: Thing):
    key = key.casefold() if FLAW == "casefold" else key
    existed = key in things
    if FLAW == "race":
        await asyncio.sleep(0.02)
    data = thing.model_dump(mode="json")
    if FLAW == "merge" and existed:
        things[key] = {**things[key], **thing.model_dump(mode="json", exclude_unset=True)}
    else:
        things[key] = data
    if FLAW == "created200":
        return JSONResponse(status_code=200, content=data)
    if existed:
        return Response(status_code=204)
    if FLAW == "noecho":
        return Response(status_code=201)
    return JSONResponse(status_code=201, content=data)
