"""A settings store whose PUT also takes query and header parameters, for
the `itemctl serve --openapi` differential test (tests/services/standin_diff.py).

PUT /apps/{app_name}/settings/{key}: two path parameters; query parameters
`version: int = Query(1, ge=1, le=99)`, `dry_run: bool = False`,
`tags: list[str] = Query([])`, `mode: Literal["fast", "safe"] = "safe"`; a
header `x_request_id: str | None = Header(None, max_length=16)` and a
required header `x_tenant: int = Header(ge=1)`; the body is one embedded
value (`value: int | str | bool | list[str] = Body(embed=True)`) and a
second body parameter `comment: str | None = Body(None, max_length=40)`.
The stored item is {"value": ..., "comment": ...}; 201 when created, 200
when replaced (`status_code=201` and `response.status_code`). GET and
DELETE (204) on the item path, with the same required header.
"""

from typing import Literal

from fastapi import Body, FastAPI, Header, HTTPException, Query, Response

app = FastAPI(title="settings")

store: dict[tuple[str, str], dict] = {}


@app.get("/apps/{app_name}/settings/{key}")
def read_setting(app_name: str, key: str, x_tenant: int = Header(ge=1)):
    if (app_name, key) not in store:
        raise HTTPException(status_code=404)
    return store[(app_name, key)]


@app.put("/apps/{app_name}/settings/{key}", status_code=201)
def put_setting(
    app_name: str,
    key: str,
    response: Response,
    value: int | str | bool | list[str] = Body(embed=True),
    comment: str | None = Body(None, max_length=40),
    version: int = Query(1, ge=1, le=99),
    dry_run: bool = False,
    tags: list[str] = Query([]),
    mode: Literal["fast", "safe"] = "safe",
    x_request_id: str | None = Header(None, max_length=16),
    x_tenant: int = Header(ge=1),
):
    if (app_name, key) in store:
        response.status_code = 200
    store[(app_name, key)] = {"value": value, "comment": comment}
    return store[(app_name, key)]


@app.delete("/apps/{app_name}/settings/{key}", status_code=204)
def delete_setting(app_name: str, key: str, x_tenant: int = Header(ge=1)):
    if store.pop((app_name, key), None) is None:
        raise HTTPException(status_code=404)
