"""An accounts service with aliases and model options, for the
`itemctl serve --openapi` differential test (tests/services/standin_diff.py).

PUT /accounts/{account_id}: an integer id (`Path(gt=0, lt=100000)`); 201
when created, 200 when replaced (`JSONResponse`, 201 documented); GET and
DELETE (204).

Covers: `Field(alias=...)` (camelCase in and out), an alias on a nested
model's field, `model_config = ConfigDict(extra="forbid", title=...)` on the
body and a nested model with `extra="allow"` (unknown keys kept, after the
fields), `str | None` with an alias, `list[Address]`, a `Literal` with an
alias, and a model titled differently from its class name.
"""

from typing import Literal

from fastapi import FastAPI, HTTPException, Path, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

app = FastAPI(title="accounts")


class Address(BaseModel):
    model_config = ConfigDict(extra="allow")
    street: str
    zip_code: str = Field(alias="zipCode", pattern=r"^\d{5}$")


class Prefs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dark_mode: bool = Field(default=False, alias="darkMode")
    page_size: int = Field(default=20, alias="pageSize", ge=5, le=100)


class Account(BaseModel):
    model_config = ConfigDict(extra="forbid", title="AccountRecord")
    display_name: str = Field(alias="displayName", min_length=1)
    email_address: str | None = Field(default=None, alias="emailAddress")
    plan: Literal["free", "pro", "team"] = Field(default="free", alias="planName")
    prefs: Prefs = Prefs()
    addresses: list[Address] = Field(default=[], max_length=3)


accounts: dict[int, dict] = {}
AccountId = Path(gt=0, lt=100000)


@app.get("/accounts/{account_id}")
def read_account(account_id: int = AccountId):
    if account_id not in accounts:
        raise HTTPException(status_code=404)
    return accounts[account_id]


@app.put("/accounts/{account_id}", responses={201: {"description": "Created"}})
def upsert_account(account: Account, account_id: int = AccountId):
    status = 200 if account_id in accounts else 201
    accounts[account_id] = account.model_dump(mode="json", by_alias=True)
    return JSONResponse(status_code=status, content=accounts[account_id])


@app.delete("/accounts/{account_id}", status_code=204)
def delete_account(account_id: int = AccountId):
    if accounts.pop(account_id, None) is None:
        raise HTTPException(status_code=404)
    return Response(status_code=204)
