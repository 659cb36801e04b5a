"""A document store with recursive models, `Any` and inherited models, for
the `itemctl serve --openapi` differential test (tests/services/standin_diff.py).

PUT /trees/{tree_id}: an integer id (`Path(ge=0, le=99999)`); 201 when
created, 200 when replaced (`status_code=201`, `response.status_code`);
the handler returns the validated model itself (FastAPI encodes it with
`jsonable_encoder`: no response model). GET reads a tree back.

Covers: a recursive model (`Node` with `children: list["Node"]` and
`parent: Optional[Node]`), model inheritance (`Tree(Base)`, fields of the
base first), `Any`, a bare `dict` and `list`, `dict[str, Any]`,
`list[Node | None] | None`, `int | float`, `Field(title, description,
examples)` and `json_schema_extra` examples in the document.
"""

from typing import Any, Optional

from fastapi import FastAPI, HTTPException, Path, Response
from pydantic import BaseModel, ConfigDict, Field

app = FastAPI(title="tree")


class Node(BaseModel):
    label: str = Field(min_length=1, max_length=20, examples=["root"])
    weight: int | float = 1
    children: list["Node"] = Field(default=[], max_length=4)
    parent: Optional["Node"] = None


class Base(BaseModel):
    owner: str = Field(title="Owner name", description="Who owns the tree", examples=["ana"])
    meta: dict[str, Any] = {}


class Tree(Base):
    model_config = ConfigDict(json_schema_extra={"examples": [{"owner": "ana", "root": {"label": "r"}}]})
    root: Node
    payload: Any = None
    bag: dict = {}
    things: list = []
    spare: list[Node | None] | None = None


trees: dict[int, Tree] = {}
TreeId = Path(ge=0, le=99999)


@app.get("/trees/{tree_id}")
def read_tree(tree_id: int = TreeId):
    if tree_id not in trees:
        raise HTTPException(status_code=404)
    return trees[tree_id]


@app.put("/trees/{tree_id}", status_code=201)
def upsert_tree(tree: Tree, response: Response, tree_id: int = TreeId):
    if tree_id in trees:
        response.status_code = 200
    trees[tree_id] = tree
    return tree
