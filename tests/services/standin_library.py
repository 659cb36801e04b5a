"""A library catalogue with models nested several deep, for the
`itemctl serve --openapi` differential test (tests/services/standin_diff.py).

PUT /libraries/{library_id}/shelves/{shelf_no}: a text parent id and an
integer shelf number (`Path(ge=0, le=500)`); 201 when created, 200 when
replaced (`status_code=201` documented, `response.status_code = 200`);
GET reads a shelf back; DELETE removes it (204).

Covers: four levels of nested models (Shelf -> list[Book] -> Author ->
Address | None), `dict[str, Book]`, `list[list[int]]`,
`dict[str, list[str]]`, `dict[str, dict[str, int]]`, `list[Book] | None`,
a nested model with `extra="forbid"` three levels down, and required
fields at every depth.
"""

from fastapi import FastAPI, HTTPException, Path, Response
from pydantic import BaseModel, ConfigDict, Field

app = FastAPI(title="library")


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid")
    city: str = Field(min_length=1)
    country: str = Field(min_length=2, max_length=2)


class Author(BaseModel):
    name: str
    born: int | None = Field(default=None, ge=1000, le=2100)
    home: Address | None = None


class Book(BaseModel):
    title: str = Field(min_length=1)
    authors: list[Author] = Field(min_length=1, max_length=3)
    pages: int = Field(gt=0)
    isbn: str | None = Field(default=None, pattern=r"^\d{13}$")


class Shelf(BaseModel):
    label: str
    books: list[Book] = []
    featured: dict[str, Book] = {}
    grid: list[list[int]] = []
    topics: dict[str, list[str]] = {}
    counts: dict[str, dict[str, int]] = {}
    archive: list[Book] | None = None


shelves: dict[tuple[str, int], dict] = {}
ShelfNo = Path(ge=0, le=500)


@app.get("/libraries/{library_id}/shelves/{shelf_no}")
def read_shelf(library_id: str, shelf_no: int = ShelfNo):
    if (library_id, shelf_no) not in shelves:
        raise HTTPException(status_code=404)
    return shelves[(library_id, shelf_no)]


@app.put("/libraries/{library_id}/shelves/{shelf_no}", status_code=201)
def upsert_shelf(library_id: str, shelf: Shelf, response: Response, shelf_no: int = ShelfNo):
    key = (library_id, shelf_no)
    if key in shelves:
        response.status_code = 200
    shelves[key] = shelf.model_dump(mode="json")
    return shelves[key]


@app.delete("/libraries/{library_id}/shelves/{shelf_no}", status_code=204)
def delete_shelf(library_id: str, shelf_no: int = ShelfNo):
    if shelves.pop((library_id, shelf_no), None) is None:
        raise HTTPException(status_code=404)
