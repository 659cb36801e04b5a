"""A user's own upsert endpoint, written as the tutorial teaches, in FastAPI.

PUT /api/v1/users/{user_id} with a `User` model: a required `name` with a
length limit, an optional `nickname`, an `age` that defaults to 0 within
bounds, a list of `tags` and a float `score` with defaults. It answers 201
when it created the user and 200 when it replaced one, and echoes the user
with its `id` and an `updated_at` time (extra fields; the time changes with
every PUT, also an identical one). A GET route and a PUT without a path
parameter are there so that discovery has something to ignore.

FLAW (environment) makes it wrong in one way, for tests that check must
fail: merge, created200, casefold, race, noecho.
"""

import asyncio
import os
import time

from fastapi import FastAPI, HTTPException, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

FLAW = os.environ.get("FLAW", "")

app = FastAPI(title="users")


class User(BaseModel):
    name: str = Field(min_length=1, max_length=60)
    nickname: str | None = None
    age: int = Field(default=0, ge=0, le=150)
    tags: list[str] = []
    score: float = 0.5


class Settings(BaseModel):
    verbose: bool = False


users: dict[str, dict] = {}


@app.get("/api/v1/users/{user_id}")
async def read_user(user_id: str):
    if user_id not in users:
        raise HTTPException(status_code=404, detail="user not found")
    return {"id": user_id, **users[user_id]}


@app.put("/api/v1/settings")
async def put_settings(settings: Settings):
    return settings


@app.put(
    "/api/v1/users/{user_id}",
    responses={201: {"description": "Created"}},
)
async def upsert_user(user_id: str, user: User):
    key = user_id.casefold() if FLAW == "casefold" else user_id
    existed = key in users
    if FLAW == "race":
        # Check, then insert later: concurrent first PUTs all see "absent".
        await asyncio.sleep(0.02)
    if FLAW == "merge" and existed:
        users[key] = {**users[key], **user.model_dump(exclude_unset=True)}
    else:
        users[key] = user.model_dump()
    status = 200 if existed or FLAW == "created200" else 201
    if FLAW == "noecho":
        return JSONResponse(status_code=status, content={"ok": True})
    return JSONResponse(
        status_code=status,
        content={"id": user_id, **users[key], "updated_at": time.time()},
    )
