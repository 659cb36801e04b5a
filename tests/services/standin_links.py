"""A bookmarks service with URLs and e-mail addresses, for the
`itemctl serve --openapi` differential test (tests/services/standin_diff.py).

OPTIONAL: `EmailStr` needs the `email-validator` package; the harness skips
this app when the venv's Python cannot import `email_validator`.

PUT /bookmarks/{bookmark_id}: an integer id (`Path(ge=1)`); 201 when
created, 200 when replaced (`status_code=201` and `response.status_code`);
GET; DELETE (204).

Covers: `HttpUrl`, `AnyUrl`, `HttpUrl | None`, `list[AnyUrl]`, `EmailStr`,
`EmailStr | None`, `list[EmailStr]`.
"""

from fastapi import FastAPI, HTTPException, Path, Response
from pydantic import AnyUrl, BaseModel, EmailStr, Field, HttpUrl

app = FastAPI(title="links")


class Bookmark(BaseModel):
    url: HttpUrl
    mirror: HttpUrl | None = None
    source: AnyUrl | None = None
    related: list[AnyUrl] = Field(default=[], max_length=3)
    owner: EmailStr
    shared_with: list[EmailStr] = []
    reply_to: EmailStr | None = None
    title: str = ""


bookmarks: dict[int, dict] = {}
BookmarkId = Path(ge=1)


@app.get("/bookmarks/{bookmark_id}")
def read_bookmark(bookmark_id: int = BookmarkId):
    if bookmark_id not in bookmarks:
        raise HTTPException(status_code=404)
    return bookmarks[bookmark_id]


@app.put("/bookmarks/{bookmark_id}", status_code=201)
def upsert_bookmark(bookmark: Bookmark, response: Response, bookmark_id: int = BookmarkId):
    if bookmark_id in bookmarks:
        response.status_code = 200
    bookmarks[bookmark_id] = bookmark.model_dump(mode="json")
    return bookmarks[bookmark_id]


@app.delete("/bookmarks/{bookmark_id}", status_code=204)
def delete_bookmark(bookmark_id: int = BookmarkId):
    if bookmarks.pop(bookmark_id, None) is None:
        raise HTTPException(status_code=404)
