"""A storage service with FastAPI's multi-`Body` wrappers, for the
`itemctl serve --openapi` differential test (tests/services/standin_diff.py).

PUT /boxes/{box_id}: the tutorial's own endpoint, with two body parameters
(`name: str | None = Body(default=None)`, `size: int | None =
Body(default=None)`), so the document's body is FastAPI's generated wrapper
`Body_upsert_box_boxes__box_id__put`; 201 when created, 200 when replaced;
the stored item is {"name": ..., "size": ...}. GET reads a box back.

PUT /crates/{crate_id} (an integer id, `Path(ge=1, le=1_000_000)`): a model
and two scalars in one body (`crate: Crate, priority: int = Body(ge=1, le=5),
note: str | None = Body(default=None, max_length=50)`), the tutorial's
"Multiple body parameters"; the stored item is the whole wrapper,
{"crate": {...}, "priority": ..., "note": ...}. GET reads it back; DELETE
removes it (204; 404 when absent).

Covers: the wrapper with nothing required (an empty or `{}` body is a valid
box), a wrapper with required members, a nested model inside it, a nested
list of models, bool, constraints on `Body()` scalars.

Non-upsert: PUT /boxes (no path parameter: a bulk settings update with a
model body) and GET /boxes/{box_id}/label (text/plain).
"""

from fastapi import Body, FastAPI, HTTPException, Path, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field

app = FastAPI(title="boxes")


class Dimensions(BaseModel):
    width: float = Field(gt=0)
    height: float = Field(gt=0)
    depth: float = Field(default=10.0, gt=0)


class Slot(BaseModel):
    label: str = Field(max_length=10)
    filled: bool = False


class Crate(BaseModel):
    owner: str = Field(min_length=1)
    fragile: bool = False
    dims: Dimensions
    slots: list[Slot] = Field(default=[], max_length=4)


class BoxSettings(BaseModel):
    default_size: int = Field(ge=0)


boxes: dict[str, dict] = {}
crates: dict[int, dict] = {}

CrateId = Path(ge=1, le=1_000_000)


@app.get("/boxes/{box_id}")
async def read_box(box_id: str):
    if box_id not in boxes:
        raise HTTPException(status_code=404)
    return boxes[box_id]


@app.put("/boxes/{box_id}", responses={201: {"description": "Created"}})
async def upsert_box(
    box_id: str,
    name: str | None = Body(default=None),
    size: int | None = Body(default=None),
):
    status = 200 if box_id in boxes else 201
    boxes[box_id] = {"name": name, "size": size}
    return JSONResponse(status_code=status, content=boxes[box_id])


@app.put("/boxes")
async def put_box_settings(settings: BoxSettings):
    return {"default_size": settings.default_size}


@app.get("/boxes/{box_id}/label", response_class=PlainTextResponse)
async def box_label(box_id: str):
    if box_id not in boxes:
        raise HTTPException(status_code=404)
    return f"{box_id}: {boxes[box_id]['name']}"


@app.get("/crates/{crate_id}")
async def read_crate(crate_id: int = CrateId):
    if crate_id not in crates:
        raise HTTPException(status_code=404)
    return crates[crate_id]


@app.put("/crates/{crate_id}", responses={201: {"description": "Created"}})
async def upsert_crate(
    crate: Crate,
    crate_id: int = CrateId,
    priority: int = Body(ge=1, le=5),
    note: str | None = Body(default=None, max_length=50),
):
    status = 200 if crate_id in crates else 201
    crates[crate_id] = {
        "crate": crate.model_dump(mode="json", by_alias=True),
        "priority": priority,
        "note": note,
    }
    return JSONResponse(status_code=status, content=crates[crate_id])


@app.delete("/crates/{crate_id}", status_code=204, responses={404: {"description": "Not Found"}})
async def delete_crate(crate_id: int = CrateId):
    if crates.pop(crate_id, None) is None:
        raise HTTPException(status_code=404)
    return Response(status_code=204)
