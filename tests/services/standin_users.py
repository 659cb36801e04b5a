"""The tutorial user's first upsert service, for the `itemctl serve --openapi`
differential test (tests/services/standin_diff.py).

PUT /users/{user_id}: an integer id (`Path(ge=1)`), written the way the
tutorials write it: `status_code=201` on the decorator, and
`response.status_code = 200` when the id existed; `response_model=UserOut`
answers the stored user with its `id` (the path parameter, a field the
request cannot supply) and without its `password` (a field the response
model drops). GET reads a user back through the same response model (404
{"detail":"Not Found"}); DELETE removes it (`status_code=204`).
GET /users lists them (a list endpoint: its answer is the app's business).

Covers: `EmailStr`-free plain fields with defaults (`bool = True`,
`float = 0.0`, `list[str] = []`), `int | None = Field(None, ge=0, le=150)`,
`str` with min/max length, a response model that adds and drops fields.
"""

from fastapi import FastAPI, HTTPException, Path, Response
from pydantic import BaseModel, Field

app = FastAPI(title="users")


class UserIn(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    email: str
    password: str = Field(min_length=8)
    age: int | None = Field(default=None, ge=0, le=150)
    is_active: bool = True
    score: float = 0.0
    tags: list[str] = []


class UserOut(BaseModel):
    id: int
    name: str
    email: str
    age: int | None = None
    is_active: bool
    score: float
    tags: list[str]


users: dict[int, dict] = {}


@app.get("/users", response_model=list[UserOut])
def list_users():
    return [{"id": k, **v} for k, v in users.items()]


@app.get("/users/{user_id}", response_model=UserOut)
def read_user(user_id: int = Path(ge=1)):
    if user_id not in users:
        raise HTTPException(status_code=404)
    return {"id": user_id, **users[user_id]}


@app.put("/users/{user_id}", status_code=201, response_model=UserOut)
def upsert_user(user: UserIn, response: Response, user_id: int = Path(ge=1)):
    if user_id in users:
        response.status_code = 200
    users[user_id] = user.model_dump(mode="json", by_alias=True)
    return {"id": user_id, **users[user_id]}


@app.delete("/users/{user_id}", status_code=204)
def delete_user(user_id: int = Path(ge=1)):
    if users.pop(user_id, None) is None:
        raise HTTPException(status_code=404)
