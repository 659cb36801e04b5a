"""A warehouse's stock upsert service written with `Annotated`, `constr`,
`conint` and `confloat`, for the `itemctl serve --openapi` differential test
(tests/services/standin_diff.py).

PUT /stock/{warehouse}/{sku}: two text path parameters with constraints
(`Annotated[str, Path(pattern=...)]`), `status_code=201`, `response: Response`
set to 200 on replace (the 200 also documented in `responses`), answering the
stored item. GET reads it back. No DELETE: a DELETE there is FastAPI's 405.

Covers every numeric constraint: `conint(ge, le, multiple_of)`, `gt`/`lt`,
a negative bound, `confloat(gt=0, multiple_of=0.01)` (pydantic's float
remainder rule), `multiple_of=0.5`, `Annotated[float, Field(ge=0, lt=1000)]`,
an unbounded `int` (big integers), `constr(min_length, max_length, pattern)`
in a list with its own length bounds, an `Optional` constrained str, and
`Annotated[int | None, Field(ge=0)] = None`.
"""

from typing import Annotated

from fastapi import FastAPI, HTTPException, Path, Response
from pydantic import BaseModel, Field, confloat, conint, constr

app = FastAPI(title="inventory")

Code = constr(min_length=2, max_length=8, pattern=r"^[a-z][a-z0-9-]*$")


class Stock(BaseModel):
    quantity: conint(ge=0, le=100_000, multiple_of=5)
    reserved: Annotated[int, Field(gt=-1, lt=1000)] = 0
    delta: int = Field(default=0, ge=-50, le=50)
    unit_price: confloat(gt=0, multiple_of=0.01)
    pack: float = Field(default=1.0, multiple_of=0.5, gt=0)
    weight_kg: Annotated[float, Field(ge=0, lt=1000)]
    serial: int | None = None
    bins: Annotated[list[Code], Field(min_length=1, max_length=4)]
    label: Annotated[str | None, Field(max_length=20)] = None
    reorder_at: Annotated[int | None, Field(ge=0)] = None


WarehouseId = Annotated[str, Path(min_length=2, max_length=6, pattern=r"^[A-Z]+$")]
Sku = Annotated[str, Path(pattern=r"^[A-Z]{3}-\d{3}$")]

stock: dict[tuple[str, str], dict] = {}


@app.get("/stock/{warehouse}/{sku}")
def read_stock(warehouse: WarehouseId, sku: Sku):
    if (warehouse, sku) not in stock:
        raise HTTPException(status_code=404)
    return stock[(warehouse, sku)]


@app.put("/stock/{warehouse}/{sku}", status_code=201, responses={200: {"description": "Replaced"}})
def upsert_stock(warehouse: WarehouseId, sku: Sku, item: Stock, response: Response):
    if (warehouse, sku) in stock:
        response.status_code = 200
    stock[(warehouse, sku)] = item.model_dump(mode="json")
    return stock[(warehouse, sku)]
