"""A drawing service full of unions, for the `itemctl serve --openapi`
differential test (tests/services/standin_diff.py).

PUT /drawings/{drawing_id}: a text id; 201 when created, 200 when replaced
(`JSONResponse`, 201 documented). GET reads a drawing back.

Covers pydantic's unions in smart mode and discriminated unions:
`Annotated[Circle | Square | Poly, Field(discriminator="type")]` as a field
and as the items of a list; a discriminated union whose members use
`Literal` tags with two values; a plain union of models (`Pen | Brush`,
told apart by their fields), `Pen | None`; scalar unions `int | str`,
`str | int` (order matters for lax inputs), `float | str`, `bool | int`,
`int | float`, `list[int] | int`, `dict[str, int] | list[int]`, and
`int | None` inside a list.
"""

from typing import Annotated, Literal

from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

app = FastAPI(title="shapes")


class Circle(BaseModel):
    type: Literal["circle"]
    radius: float = Field(gt=0)


class Square(BaseModel):
    type: Literal["square", "box"]
    side: float = Field(gt=0)
    rounded: bool = False


class Poly(BaseModel):
    type: Literal["poly"]
    points: list[list[float]] = Field(min_length=3, max_length=8)


Shape = Annotated[Circle | Square | Poly, Field(discriminator="type")]


class Pen(BaseModel):
    width: int = Field(ge=1, le=10)
    color: str = "black"


class Brush(BaseModel):
    size: float
    soft: bool = True


class Drawing(BaseModel):
    title: str
    main: Shape
    extras: list[Shape] = []
    tool: Pen | Brush
    backup: Pen | None = None
    layer: int | str = 0
    name_or_no: str | int = "x"
    ratio: float | str = 1.0
    flag: bool | int = False
    scale: int | float = 1
    sizes: list[int] | int = []
    weights: dict[str, int] | list[int] = {}
    slots: list[int | None] = []


drawings: dict[str, dict] = {}


@app.get("/drawings/{drawing_id}")
def read_drawing(drawing_id: str):
    if drawing_id not in drawings:
        raise HTTPException(status_code=404)
    return drawings[drawing_id]


@app.put("/drawings/{drawing_id}", responses={201: {"description": "Created"}})
def upsert_drawing(drawing_id: str, drawing: Drawing):
    status = 200 if drawing_id in drawings else 201
    drawings[drawing_id] = drawing.model_dump(mode="json")
    return JSONResponse(status_code=status, content=drawings[drawing_id])
