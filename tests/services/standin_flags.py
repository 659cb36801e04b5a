"""A feature-flag service of booleans, enums and literals, for the
`itemctl serve --openapi` differential test (tests/services/standin_diff.py).

PUT /flags/{env}/{flag}: an enum path parameter (`env: Env`, a str Enum)
and a text id; 201 when created, 204 when replaced (`status_code=201` and
204 documented in `responses`); GET; DELETE (204). POST /flags/{env} (a
bulk create: its answer is the app's business) takes a list of flags.

Covers: `bool`, `bool | None`, `list[bool]`, `Literal[True]`; a str Enum
with values that are not identifiers, an IntEnum, an Enum of floats, a
plain Enum of mixed values, an Enum default, `Literal[1, "1"]` and
`Literal["a", 2, None]`-like mixes, `list[Env]`, `dict[str, Level]`.
"""

from enum import Enum, IntEnum
from typing import Literal

from fastapi import FastAPI, HTTPException, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

app = FastAPI(title="flags")


class Env(str, Enum):
    dev = "dev"
    staging = "staging-eu"
    prod = "Prod"


class Level(IntEnum):
    off = 0
    some = 50
    all = 100


class Ratio(float, Enum):
    half = 0.5
    quarter = 0.25
    one = 1.0


class Mixed(Enum):
    a = "a"
    two = 2


class Flag(BaseModel):
    enabled: bool
    sticky: bool | None = None
    history: list[bool] = []
    confirmed: Literal[True] = True
    level: Level = Level.off
    ratio: Ratio = Ratio.one
    mixed: Mixed | None = None
    envs: list[Env] = []
    rollout: dict[str, Level] = {}
    code: Literal[1, "1", "one"] = 1
    owner: Literal["team-a", "team-b"] | None = None


flags: dict[tuple[str, str], dict] = {}


@app.get("/flags/{env}/{flag}")
def read_flag(env: Env, flag: str):
    if (env, flag) not in flags:
        raise HTTPException(status_code=404)
    return flags[(env, flag)]


@app.put("/flags/{env}/{flag}", status_code=201, responses={204: {"description": "Replaced"}})
def upsert_flag(env: Env, flag: str, body: Flag):
    existed = (env, flag) in flags
    flags[(env, flag)] = body.model_dump(mode="json")
    if existed:
        return Response(status_code=204)
    return JSONResponse(status_code=201, content=flags[(env, flag)])


@app.post("/flags/{env}", status_code=201)
def bulk_create(env: Env, body: list[Flag]):
    return {"created": len(body)}


@app.delete("/flags/{env}/{flag}", status_code=204)
def delete_flag(env: Env, flag: str):
    if flags.pop((env, flag), None) is None:
        raise HTTPException(status_code=404)
