"""A people directory's upsert service, for the `itemctl serve --openapi`
differential test (tests/services/standin_diff.py).

PUT /people/{handle}: a text id with constraints
(`Path(min_length=3, max_length=24, pattern=...)`), 201 when created, 200 when
replaced (`JSONResponse`, 201 documented). GET reads a person back (404
{"detail":"Not Found"}); DELETE answers 204 (404 when absent).

Covers: `Field(alias=...)` aliases (camelCase names in the JSON, the stored
item dumped by alias); a nested model with `extra="forbid"` (the top-level
model ignores extra fields, the nested one refuses them); a list of nested
models with max_length; a required list with min_length and max_length;
`dict[str, int]`; a `datetime.date`; Optional fields and defaults; a
Literal inside the nested list items.

The one app that is not fully determined by its document: every answer with
a person (PUT and GET) also carries a server-made `updated_at` (a Unix time),
which the harness leaves out of the comparison.
"""

import time
from datetime import date
from typing import Literal

from fastapi import FastAPI, HTTPException, Path, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

app = FastAPI(title="people")


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid")

    street: str = Field(min_length=1, max_length=80)
    city: str
    postcode: str = Field(pattern=r"^[0-9]{5}$")
    country: str = Field(default="FR", min_length=2, max_length=2)


class Phone(BaseModel):
    kind: Literal["home", "work", "mobile"] = "mobile"
    number: str = Field(min_length=6, max_length=20)


class Person(BaseModel):
    full_name: str = Field(alias="fullName", min_length=1, max_length=80)
    birth_date: date | None = Field(default=None, alias="birthDate")
    age: int | None = Field(default=None, ge=0, le=150)
    languages: list[str] = Field(min_length=1, max_length=4)
    address: Address | None = None
    phones: list[Phone] = Field(default=[], max_length=3)
    scores: dict[str, int] = {}
    is_admin: bool = Field(default=False, alias="isAdmin")
    nickname: str | None = None


Handle = Path(min_length=3, max_length=24, pattern=r"^[a-z][a-z0-9_]*$")

# handle -> the stored person (model_dump(mode="json", by_alias=True)) and
# when it was stored.
people: dict[str, dict] = {}


@app.get("/people/{handle}")
async def read_person(handle: str = Handle):
    if handle not in people:
        raise HTTPException(status_code=404)
    return people[handle]


@app.put("/people/{handle}", responses={201: {"description": "Created"}})
async def upsert_person(person: Person, handle: str = Handle):
    status = 200 if handle in people else 201
    people[handle] = {**person.model_dump(mode="json", by_alias=True), "updated_at": time.time()}
    return JSONResponse(status_code=status, content=people[handle])


@app.delete("/people/{handle}", status_code=204, responses={404: {"description": "Not Found"}})
async def delete_person(handle: str = Handle):
    if people.pop(handle, None) is None:
        raise HTTPException(status_code=404)
    return Response(status_code=204)
