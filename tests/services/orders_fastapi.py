"""A third FastAPI upsert endpoint: PUT /orders/{order_id} with an integer
id, as FastAPI apps often have (`order_id: int`), and an `Order` with a
required `sku`, a positive `qty` defaulting to 1, a `Decimal` price (which
pydantic writes back as a string) and an optional `note`. 201 when created,
200 when replaced.

FLAW (environment): merge, created200, casefold (here: ids truncated to 16
digits, so two ids are conflated), race, noecho.
"""

import asyncio
import os
from decimal import Decimal

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

FLAW = os.environ.get("FLAW", "")

app = FastAPI(title="orders")


class Order(BaseModel):
    sku: str = Field(min_length=3, max_length=32)
    qty: int = Field(default=1, gt=0)
    price: Decimal
    note: str | None = None


orders: dict[str, dict] = {}


@app.put("/orders/{order_id}", responses={201: {"description": "Created"}})
async def put_order(order_id: int, order: Order):
    key = str(order_id)[:16] if FLAW == "casefold" else str(order_id)
    existed = key in orders
    if FLAW == "race":
        await asyncio.sleep(0.02)
    if FLAW == "merge" and existed:
        orders[key] = {**orders[key], **order.model_dump(mode="json", exclude_unset=True)}
    else:
        orders[key] = order.model_dump(mode="json")
    status = 200 if existed or FLAW == "created200" else 201
    if FLAW == "noecho":
        return JSONResponse(status_code=status, content={"order_id": order_id})
    return JSONResponse(status_code=status, content={"order_id": order_id, **orders[key]})
