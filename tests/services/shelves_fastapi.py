"""An upsert endpoint under a parent resource, whose body repeats the id.

PUT /stores/{store_id}/books/{isbn}: two path parameters, so check needs
`--path /stores/<a store>/books/{isbn}` (the store filled in, the id left as
the placeholder), and a `Book` body whose `isbn` must equal the path's
(400 otherwise), so check must send each id in the body too.

FLAW (environment) makes it wrong in one way, for tests that check must
fail: merge, created200, casefold, race, noecho.
"""

import asyncio
import os

from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel

FLAW = os.environ.get("FLAW", "")

app = FastAPI(title="shelves")


class Book(BaseModel):
    isbn: str
    title: str
    notes: str | None = None
    copies: int = 1


books: dict[tuple[str, str], dict] = {}


@app.put("/stores/{store_id}/books/{isbn}", responses={201: {"description": "Created"}})
async def upsert_book(store_id: str, isbn: str, book: Book):
    if book.isbn != isbn:
        raise HTTPException(status_code=400, detail="the isbn in the body must match the path")
    key = (store_id, isbn.casefold() if FLAW == "casefold" else isbn)
    existed = key in books
    if FLAW == "race":
        # Check, then insert later: concurrent first PUTs all see "absent".
        await asyncio.sleep(0.02)
    if FLAW == "merge" and existed:
        books[key] = {**books[key], **book.model_dump(exclude_unset=True)}
    else:
        books[key] = book.model_dump()
    status = 200 if existed or FLAW == "created200" else 201
    if FLAW == "noecho":
        return JSONResponse(status_code=status, content={"ok": True})
    return JSONResponse(status_code=status, content=books[key])
