"""A shop's product upsert service, for the `itemctl serve --openapi` differential
test (tests/services/standin_diff.py): its answers follow from its OpenAPI
document alone.

PUT /products/{product_id}: an integer id within bounds
(`Path(ge=1, le=1_000_000)`), 201 with the stored product when it created it,
200 with the replaced one when the id existed (FastAPI's "Additional Status
Codes" tutorial: `JSONResponse(status_code=...)`, the 201 documented in
`responses`). GET reads a product back (404 {"detail":"Not Found"}), DELETE
removes it (204; 404 when absent).

Covers the scalars and their constraints: str with min_length, max_length and
pattern; int with ge/le, gt/lt and multiple_of; float with bounds (inclusive
and exclusive) and an unbounded one (NaN, Infinity); bool; Optional fields
(`X | None = None`, one with a constraint); defaults (also `[]` list
defaults and a list with max_length); a str Enum, an IntEnum and a Literal.

Non-upsert operations (their success answers are the app's business, so the
harness sends them only requests whose answer the document fixes: invalid
input, wrong methods): POST /products/{product_id}/restock (202) with an
embedded scalar body (`Body(embed=True, gt=0, le=500)`), and GET /health.
"""

from enum import Enum, IntEnum
from typing import Literal

from fastapi import Body, FastAPI, HTTPException, Path, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

app = FastAPI(title="products")


class Color(str, Enum):
    red = "red"
    green = "green"
    blue = "blue"


class Tier(IntEnum):
    basic = 1
    plus = 2
    premium = 3


class Product(BaseModel):
    name: str = Field(min_length=2, max_length=40)
    sku: str = Field(pattern=r"^[A-Z]{3}-[0-9]{4}$")
    quantity: int = Field(default=0, ge=0, le=10_000)
    pack_size: int = Field(default=6, gt=0, lt=100, multiple_of=6)
    price: float = Field(gt=0, le=1_000_000)
    discount: float = Field(default=0.0, ge=0.0, lt=1.0)
    weight: float | None = None
    active: bool = True
    description: str | None = Field(default=None, max_length=200)
    tags: list[str] = []
    sizes: list[int] = Field(default=[], max_length=5)
    color: Color = Color.red
    tier: Tier | None = None
    status: Literal["draft", "live", "retired"] = "draft"


ProductId = Path(ge=1, le=1_000_000)

# product id -> the stored product, as JSON (model_dump(mode="json", by_alias=True)).
products: dict[int, dict] = {}


@app.get("/health")
async def health():
    return {"status": "ok"}


@app.get("/products/{product_id}")
async def read_product(product_id: int = ProductId):
    if product_id not in products:
        raise HTTPException(status_code=404)
    return products[product_id]


@app.put("/products/{product_id}", responses={201: {"description": "Created"}})
async def upsert_product(product: Product, product_id: int = ProductId):
    status = 200 if product_id in products else 201
    products[product_id] = product.model_dump(mode="json", by_alias=True)
    return JSONResponse(status_code=status, content=products[product_id])


@app.delete(
    "/products/{product_id}",
    status_code=204,
    responses={404: {"description": "Not Found"}},
)
async def delete_product(product_id: int = ProductId):
    if products.pop(product_id, None) is None:
        raise HTTPException(status_code=404)
    return Response(status_code=204)


@app.post("/products/{product_id}/restock", status_code=202)
async def restock(product_id: int = ProductId, amount: int = Body(embed=True, gt=0, le=500)):
    # Places a restock order (nothing stored here): the answer is the order.
    return {"product_id": product_id, "ordered": amount}
