"""FastAPI's "Body - Updates" item, upserted, for the `itemctl serve --openapi`
differential test (tests/services/standin_diff.py).

PUT /items/{item_id}: a text id; a query parameter `q: str | None = None`;
`status_code=201` with `response.status_code = 200` on replace; the
response model is the return annotation (`-> Item`), so FastAPI answers
through pydantic's serializer; the handler stores `jsonable_encoder(item)`
as the tutorial does. GET (`response_model=Item`) reads it back; DELETE
(`status_code=204`).

Covers: every field optional (`name: str | None = None`,
`price: float | None = None`), a float default (`tax: float = 10.5`), a
list default, a response model over the same model, and small floats whose
JSON spelling differs between `json.dumps` and pydantic (`1e-05` vs
`0.00001`).
"""

from fastapi import FastAPI, HTTPException, Response
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel

app = FastAPI(title="catalogue")


class Item(BaseModel):
    name: str | None = None
    description: str | None = None
    price: float | None = None
    tax: float = 10.5
    tags: list[str] = []


items: dict[str, dict] = {}


@app.get("/items/{item_id}", response_model=Item)
def read_item(item_id: str):
    if item_id not in items:
        raise HTTPException(status_code=404)
    return items[item_id]


@app.put("/items/{item_id}", status_code=201)
def upsert_item(item_id: str, item: Item, response: Response, q: str | None = None) -> Item:
    if item_id in items:
        response.status_code = 200
    items[item_id] = jsonable_encoder(item)
    return item


@app.delete("/items/{item_id}", status_code=204)
def delete_item(item_id: str):
    if items.pop(item_id, None) is None:
        raise HTTPException(status_code=404)
