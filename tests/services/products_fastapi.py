"""A product service as a FastAPI user writes one: PUT /v2/products/{sku}.

Written the way the tutorial's "Additional Status Codes" page teaches: a
module-level dict, `JSONResponse(status_code=201, ...)` for a new sku (the
201 documented with `responses=`), the stored product returned (200, through
the `response_model`) for an existing one, and FastAPI's own 422 for an
invalid body. GET reads a product back.

The path parameter is `sku: str = Path(min_length=3, max_length=32)`
(SKU_RULES=short: 3 to 12 characters, pattern ^[A-Z0-9-]+$; SKU_RULES=free:
`sku: str`). The model has an enum, a nested model whose sub-fields have
defaults (`dims`), a bounded list of nested models (`variants`), number
bounds, a date-time, a dict of integers, an optional nested model
(`warranty`) and an optional discriminated union (`promo`: a percentage or
an amount, whose currency defaults to "EUR"). With EXCLUDE_NONE=1 nulls are
left out of every response (`response_model_exclude_none=True`), nested
ones too, as many APIs do.

It replaces on update (every field left out takes its default, inside
`dims`, each variant and `promo` too) and uses the sku exactly as the path
gives it (percent-decoded once, nothing else).

FLAW (environment) makes it wrong in one way, each a mistake seen in real
services:
  deepmerge      an update merges the `dims` it is sent into the stored one
                 (FastAPI's partial-update recipe, model_copy(update=
                 dims.model_dump(exclude_unset=True))): top-level fields are
                 replaced, but a PUT that leaves out dims.unit keeps the old
                 unit
  listmerge      the same for each variant, by position
  unionmerge     the same for `promo`, when the stored one is of the same kind
  nestedinvalid  a 422 whose errors are all below the top level (inside
                 `dims`, a variant, `attributes`, `warranty`, `promo`) still
                 stores the body: an exception handler that keeps "drafts"
                 whose top level is fine
  listinvalid    the same, only for errors inside a variant
  dictinvalid    the same, only for errors inside `attributes`' values
  unioninvalid   the same, only for errors inside `promo`
  strip          the sku is .strip()ped (" AB-1 " and "AB-1" are one)
  plus           the sku is read from the raw path with unquote_plus, so a
                 literal "+" is a space ("A+1" and "A 1" are one)
  nfkc           the sku is NFKC-normalised (full-width "ＡＢ１" is "AB1";
                 NFKC also composes, so NFD and NFC spellings are one)
  fullwidth      only full-width ASCII (U+FF01..U+FF5E) is folded to ASCII,
                 as Japanese shops do for product codes (zenkaku to hankaku)
  asciionly      a sku with a non-ASCII character gets 404 (a router or a
                 proxy rule that only knows [A-Za-z0-9...]), although the
                 documented parameter admits any text
  slow           correct, but every answer (/, /openapi.json too) comes
                 after 2.5 s
  dies           correct, but the process exits right after answering its
                 5th PUT (a crash in the middle of a check run)
  update204      an update answers 204 No Content (not documented)

Usage: uvicorn products_fastapi:app --port PORT
"""

import asyncio
import os
import unicodedata
from datetime import datetime
from enum import Enum
from typing import Annotated, Literal
from urllib.parse import unquote_plus

from fastapi import FastAPI, HTTPException, Path, Request, Response
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

FLAW = os.environ.get("FLAW", "")
SKU_RULES = os.environ.get("SKU_RULES", "")
EXCLUDE_NONE = os.environ.get("EXCLUDE_NONE", "") == "1"

app = FastAPI(title="products", version="2.0")


class Category(str, Enum):
    tools = "tools"
    garden = "garden"
    kitchen = "kitchen"
    toys = "toys"


class Dimensions(BaseModel):
    width: float = Field(gt=0, le=1000)
    height: float = Field(gt=0, le=1000)
    depth: float = Field(gt=0, le=1000)
    unit: str = Field(default="cm", max_length=8)
    note: str | None = None


class Variant(BaseModel):
    code: str = Field(min_length=1, max_length=20)
    color: str | None = None
    extra_price: float = Field(default=0.0, ge=0)
    stock: int = Field(default=0, ge=0, le=1000)


class Warranty(BaseModel):
    months: int = Field(ge=1, le=120)
    transferable: bool = False


class PercentOff(BaseModel):
    kind: Literal["percent"]
    percent: int = Field(ge=1, le=90)


class AmountOff(BaseModel):
    kind: Literal["amount"]
    amount: float = Field(gt=0)
    currency: str = Field(default="EUR", min_length=3, max_length=3)


class Product(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    category: Category
    price: float = Field(gt=0)
    stock: int = Field(default=0, ge=0, le=100000)
    dims: Dimensions
    variants: list[Variant] = Field(default=[], max_length=5)
    tags: list[str] = Field(default=["new"], min_length=1, max_length=10)
    attributes: dict[str, int] = {}
    released: datetime | None = None
    description: str | None = None
    warranty: Warranty | None = None
    promo: Annotated[PercentOff | AmountOff, Field(discriminator="kind")] | None = None


if SKU_RULES == "short":
    Sku = Annotated[str, Path(min_length=3, max_length=12, pattern="^[A-Z0-9-]+$")]
elif SKU_RULES == "free":
    Sku = str
else:
    Sku = Annotated[str, Path(min_length=3, max_length=32)]

products: dict[str, dict] = {}
puts = 0

FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}


def key_of(sku: str, request: Request) -> str:
    """The store's key for the sku the route received."""
    if FLAW == "strip":
        return sku.strip()
    if FLAW == "plus":
        raw = request.scope["raw_path"].decode("latin-1").rsplit("/", 1)[-1]
        return unquote_plus(raw)
    if FLAW == "nfkc":
        return unicodedata.normalize("NFKC", sku)
    if FLAW == "fullwidth":
        return sku.translate(FULLWIDTH)
    if FLAW == "asciionly" and not sku.isascii():
        raise HTTPException(status_code=404, detail="Not Found")
    return sku


def response_body(data: dict) -> dict:
    if EXCLUDE_NONE:
        return Product.model_validate(data).model_dump(mode="json", exclude_none=True)
    return data


def merged(stored: dict | None, sent: BaseModel) -> dict:
    """`sent` over `stored`: the fields `sent` was given, the rest as stored."""
    if stored is None:
        return sent.model_dump(mode="json")
    old = type(sent).model_validate(stored)
    return old.model_copy(update=sent.model_dump(exclude_unset=True)).model_dump(mode="json")


if FLAW == "slow":

    @app.middleware("http")
    async def slow(request: Request, call_next):
        await asyncio.sleep(2.5)
        return await call_next(request)


if FLAW == "dies":

    @app.middleware("http")
    async def dies(request: Request, call_next):
        global puts
        response = await call_next(request)
        if request.method == "PUT":
            puts += 1
            if puts == 5:
                # Once this answer is on its way, the process is gone.
                asyncio.get_running_loop().call_later(0.01, os._exit, 0)
        return response


# Which errors a "draft" may have and still be stored (loc after "body").
LENIENT = {
    "nestedinvalid": lambda loc: len(loc) > 2,
    "listinvalid": lambda loc: len(loc) > 2 and loc[1] == "variants",
    "dictinvalid": lambda loc: len(loc) > 2 and loc[1] == "attributes",
    "unioninvalid": lambda loc: len(loc) > 2 and loc[1] == "promo",
}

if FLAW in LENIENT:

    @app.exception_handler(RequestValidationError)
    async def keep_drafts(request: Request, exc: RequestValidationError):
        # "Only a detail is off: keep the product as a draft so that the
        # catalogue is not missing it, and tell the client." Stored as sent.
        sku = request.path_params.get("sku")
        lenient = all(e["loc"][0] == "body" and LENIENT[FLAW](e["loc"]) for e in exc.errors())
        if request.method == "PUT" and sku and lenient and isinstance(exc.body, dict):
            products[key_of(sku, request)] = exc.body
        return await request_validation_exception_handler(request, exc)


@app.get("/v2/products/{sku}", response_model=Product, response_model_exclude_none=EXCLUDE_NONE)
async def read_product(sku: Sku, request: Request):
    key = key_of(sku, request)
    if key not in products:
        raise HTTPException(status_code=404, detail="Product not found")
    return products[key]


@app.put(
    "/v2/products/{sku}",
    response_model=Product,
    response_model_exclude_none=EXCLUDE_NONE,
    responses={201: {"description": "Created", "model": Product}},
)
async def upsert_product(sku: Sku, product: Product, request: Request):
    key = key_of(sku, request)
    data = product.model_dump(mode="json")
    if key in products:
        old = products[key]
        if FLAW == "deepmerge":
            data["dims"] = merged(old["dims"], product.dims)
        if FLAW == "listmerge":
            data["variants"] = [
                merged(old["variants"][i] if i < len(old["variants"]) else None, v)
                for i, v in enumerate(product.variants)
            ]
        if FLAW == "unionmerge" and product.promo and (old.get("promo") or {}).get("kind") == product.promo.kind:
            data["promo"] = merged(old["promo"], product.promo)
        products[key] = data
        if FLAW == "update204":
            return Response(status_code=204)
        return data
    products[key] = data
    return JSONResponse(status_code=201, content=response_body(data))
