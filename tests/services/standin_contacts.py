"""A contacts upsert service with pydantic's network types, for the
`itemctl serve --openapi` differential test (tests/services/standin_diff.py).

OPTIONAL: `EmailStr` needs the `email-validator` package, which the pinned
reference venv does not have; the harness skips this app, saying so, when
`email_validator` cannot be imported by the venv's Python.

PUT /contacts/{contact_id} (an integer id, `Path(ge=1, le=1_000_000)`): 201
when created, 200 when replaced (`JSONResponse`, 201 documented); GET reads a
contact back.

Covers: `EmailStr` (format "email"), `HttpUrl` (format "uri" with
maxLength 2083; pydantic normalises it, e.g. adds a trailing "/"), an
Optional `AnyUrl`, a list of `EmailStr`.
"""

from fastapi import FastAPI, HTTPException, Path
from fastapi.responses import JSONResponse
from pydantic import AnyUrl, BaseModel, EmailStr, Field, HttpUrl

app = FastAPI(title="contacts")


class Contact(BaseModel):
    name: str = Field(min_length=1)
    email: EmailStr
    homepage: HttpUrl | None = None
    feed: AnyUrl | None = None
    cc: list[EmailStr] = []


ContactId = Path(ge=1, le=1_000_000)

contacts: dict[int, dict] = {}


@app.get("/contacts/{contact_id}")
async def read_contact(contact_id: int = ContactId):
    if contact_id not in contacts:
        raise HTTPException(status_code=404)
    return contacts[contact_id]


@app.put("/contacts/{contact_id}", responses={201: {"description": "Created"}})
async def upsert_contact(contact: Contact, contact_id: int = ContactId):
    status = 200 if contact_id in contacts else 201
    contacts[contact_id] = contact.model_dump(mode="json", by_alias=True)
    return JSONResponse(status_code=status, content=contacts[contact_id])
