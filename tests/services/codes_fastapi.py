"""A user's own upsert endpoint whose path parameter has a pattern in
pydantic's own regular-expression grammar (the Rust regex crate's):
Unicode classes, `\\w`, `.` escaped, `\\d`.

PUT /codes/{code} with `code: str = Path(pattern=r"^\\p{Lu}\\p{Ll}{2,6}-\\w{2}\\.\\d$")`
and a small `Code` model. 201 when created, 200 when replaced.
"""

from fastapi import FastAPI, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

app = FastAPI(title="codes")


class Code(BaseModel):
    label: str = Field(min_length=1, max_length=40)
    note: str | None = None


codes: dict[str, dict] = {}


@app.put("/codes/{code}", responses={201: {"description": "Created"}})
async def upsert_code(
    item: Code,
    code: str = Path(pattern=r"^\p{Lu}\p{Ll}{2,6}-\w{2}\.\d$"),
):
    status = 200 if code in codes else 201
    codes[code] = item.model_dump(mode="json")
    return JSONResponse(status_code=status, content=codes[code])
