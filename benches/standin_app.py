"""The FastAPI app of benches/standin.sh: the tutorial's path with a
five-field model (the shape of a users service), its own answers measured
beside `itemctl serve --openapi` of its document."""

from fastapi import FastAPI, Response
from pydantic import BaseModel, Field

app = FastAPI(title="bench")


class Item(BaseModel):
    name: str = Field(max_length=50)
    size: int = Field(ge=0)
    price: float = 0.0
    active: bool = True
    tags: list[str] = []


items: dict[str, dict] = {}


@app.put("/items/{item_id}", status_code=201)
def upsert(item_id: str, item: Item, response: Response):
    if item_id in items:
        response.status_code = 200
    items[item_id] = item.model_dump(mode="json")
    return items[item_id]
