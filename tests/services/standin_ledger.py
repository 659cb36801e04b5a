"""A bookkeeping upsert service, for the `itemctl serve --openapi` differential
test (tests/services/standin_diff.py).

PUT /ledgers/{ledger}/entries/{entry_id}: a parent's text id (2 to 8
characters, pattern) and a `uuid.UUID` id (so its spellings, upper case or
without hyphens, are one entry), with an embedded body (`Body(embed=True)`:
the request is {"entry": {...}}). 201 with the stored entry when created,
200 with the replaced one (`JSONResponse`, 201 documented); the stored item
is the entry itself (not the {"entry": ...} wrapper). GET reads an entry back,
DELETE removes it (204; 404 when absent).

Covers: `Decimal` without constraints and with bounds (`gt=0`, which the
document shows), an Optional Decimal and a Decimal default (pydantic writes
them back as strings); `datetime.date`, `datetime.datetime` and
`datetime.time` (their lax forms: numbers as Unix times, partial strings);
`uuid.UUID` in the body and in the path; a str Enum; a `dict[str, Decimal]`.

`Decimal` with max_digits/decimal_places is NOT here: pydantic leaves those
constraints out of the JSON schema, so no document can tell a stand-in about
them (see standin_undocumented.py).
"""

from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from uuid import UUID

from fastapi import Body, FastAPI, HTTPException, Path, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

app = FastAPI(title="ledger")


class Currency(str, Enum):
    eur = "EUR"
    usd = "USD"
    jpy = "JPY"


class Entry(BaseModel):
    amount: Decimal
    rate: Decimal = Field(default=Decimal("1.00"), gt=0)
    fee: Decimal | None = None
    currency: Currency = Currency.eur
    booked_on: date
    booked_at: datetime | None = None
    cutoff: time | None = None
    reference: UUID | None = None
    splits: dict[str, Decimal] = {}
    memo: str = ""


Ledger = Path(min_length=2, max_length=8, pattern=r"^[A-Z][A-Z0-9]+$")

entries: dict[tuple[str, UUID], dict] = {}


@app.get("/ledgers/{ledger}/entries/{entry_id}")
async def read_entry(entry_id: UUID, ledger: str = Ledger):
    if (ledger, entry_id) not in entries:
        raise HTTPException(status_code=404)
    return entries[(ledger, entry_id)]


@app.put("/ledgers/{ledger}/entries/{entry_id}", responses={201: {"description": "Created"}})
async def upsert_entry(entry_id: UUID, ledger: str = Ledger, entry: Entry = Body(embed=True)):
    key = (ledger, entry_id)
    status = 200 if key in entries else 201
    entries[key] = entry.model_dump(mode="json", by_alias=True)
    return JSONResponse(status_code=status, content=entries[key])


@app.delete(
    "/ledgers/{ledger}/entries/{entry_id}",
    status_code=204,
    responses={404: {"description": "Not Found"}},
)
async def delete_entry(entry_id: UUID, ledger: str = Ledger):
    if entries.pop((ledger, entry_id), None) is None:
        raise HTTPException(status_code=404)
    return Response(status_code=204)
