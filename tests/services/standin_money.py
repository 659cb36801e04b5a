"""A price list with `Decimal` fields, for the `itemctl serve --openapi`
differential test (tests/services/standin_diff.py).

PUT /prices/{code}: a text id (`Path(min_length=3, max_length=3)`), 201 when
created, 200 when replaced (`JSONResponse`, 201 documented); GET; no
DELETE (405).

Covers `Decimal` with the constraints a document shows (`gt`, `ge`, `le`,
`lt`, `multiple_of`, with integral and fractional bounds), an Optional
Decimal, Decimal defaults written as strings and as numbers, `condecimal`,
`list[Decimal]`, `dict[str, Decimal]`, and `float` beside them.
Not `max_digits`/`decimal_places`: pydantic leaves them out of the
document (see standin_undocumented.py).
"""

from decimal import Decimal

from fastapi import FastAPI, HTTPException, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, condecimal

app = FastAPI(title="money")


class Price(BaseModel):
    amount: Decimal = Field(gt=0)
    fee: Decimal = Field(default=Decimal("0.00"), ge=0, le=100)
    discount: Decimal = Field(default=Decimal("0"), ge=Decimal("-0.5"), lt=Decimal("0.5"))
    step: condecimal(multiple_of=Decimal("0.25")) = Decimal("1")
    tax: Decimal | None = None
    history: list[Decimal] = []
    by_region: dict[str, Decimal] = {}
    rate: float = 1.0


prices: dict[str, dict] = {}
Code = Path(min_length=3, max_length=3)


@app.get("/prices/{code}")
def read_price(code: str = Code):
    if code not in prices:
        raise HTTPException(status_code=404)
    return prices[code]


@app.put("/prices/{code}", responses={201: {"description": "Created"}})
def upsert_price(price: Price, code: str = Code):
    status = 200 if code in prices else 201
    prices[code] = price.model_dump(mode="json")
    return JSONResponse(status_code=status, content=prices[code])
