"""Constraints that pydantic leaves out of the OpenAPI document, for the
`itemctl serve --openapi` differential test (tests/services/standin_diff.py).

NOT in the harness's default set (run it with `--apps undocumented`): a
stand-in that reads only the document cannot know these rules, so against
such a stand-in this app shows what it cannot reproduce; app against app
(`--self-test`) it must still agree.

PUT /invoices/{invoice_id} (an integer id, `Path(ge=1, le=1_000_000)`): 201
when created, 200 when replaced (`JSONResponse`, 201 documented); GET reads
an invoice back.

What the document does not say:
- `Decimal` with `max_digits`/`decimal_places`: the schema is
  `anyOf [{"type": "number"}, {"type": "string"}]`, as for an unconstrained
  Decimal (and as for `float | str`, which echoes a number, not a string);
- `float` with `allow_inf_nan=False`: the schema is `{"type": "number"}`
  either way (NaN and Infinity, which Python's json accepts, are refused
  here and accepted by a plain float).
"""

from decimal import Decimal

from fastapi import FastAPI, HTTPException, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

app = FastAPI(title="invoices")


class Invoice(BaseModel):
    total: Decimal = Field(max_digits=8, decimal_places=2)
    tax_rate: Decimal = Field(default=Decimal("0.20"), max_digits=3, decimal_places=2, ge=0)
    ratio: float = Field(default=1.0, allow_inf_nan=False)
    note: str | None = None


InvoiceId = Path(ge=1, le=1_000_000)

invoices: dict[int, dict] = {}


@app.get("/invoices/{invoice_id}")
async def read_invoice(invoice_id: int = InvoiceId):
    if invoice_id not in invoices:
        raise HTTPException(status_code=404)
    return invoices[invoice_id]


@app.put("/invoices/{invoice_id}", responses={201: {"description": "Created"}})
async def upsert_invoice(invoice: Invoice, invoice_id: int = InvoiceId):
    status = 200 if invoice_id in invoices else 201
    invoices[invoice_id] = invoice.model_dump(mode="json", by_alias=True)
    return JSONResponse(status_code=status, content=invoices[invoice_id])
