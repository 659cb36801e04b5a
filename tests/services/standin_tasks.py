"""A to-do service with a UUID id, for the `itemctl serve --openapi`
differential test (tests/services/standin_diff.py).

PUT /tasks/{task_id}: a `uuid.UUID` path id; 201 when created, 200 when
replaced (`JSONResponse`, both documented in `responses`); GET and DELETE
(200 with `null`: the handler returns nothing and declares no status).

Covers: `Optional` fields without a default (`str | None`: required, null
allowed), with `None` and with a value default; a str `Enum` and an
`IntEnum` beside `Literal` strings and ints; `list[Subtask]` of nested
models with their own defaults; `dict[str, int]`; `datetime`, `date`,
`time` and a `datetime | None`; `list[int]` and `list[float]` with bounds
on the items; `bool | None`.
"""

from datetime import date, datetime, time
from enum import Enum, IntEnum
from typing import Literal
from uuid import UUID

from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

app = FastAPI(title="tasks")


class State(str, Enum):
    todo = "todo"
    doing = "doing"
    done = "done"


class Level(IntEnum):
    low = 1
    mid = 5
    high = 10


class Subtask(BaseModel):
    title: str = Field(min_length=1, max_length=30)
    done: bool = False
    weight: float = Field(default=1, ge=0, le=10)


class Task(BaseModel):
    title: str
    assignee: str | None
    state: State = State.todo
    level: Level
    kind: Literal["bug", "feature", "chore"] = "chore"
    points: Literal[1, 2, 3, 5, 8]
    subtasks: list[Subtask] = []
    counters: dict[str, int] = {}
    due: date | None = None
    created: datetime
    remind_at: time | None = None
    closed_at: datetime | None = None
    estimates: list[float] = Field(default=[], max_length=3)
    scores: list[int] = []
    urgent: bool | None = None


tasks: dict[UUID, dict] = {}


@app.get("/tasks/{task_id}")
def read_task(task_id: UUID):
    if task_id not in tasks:
        raise HTTPException(status_code=404)
    return tasks[task_id]


@app.put("/tasks/{task_id}", responses={201: {"description": "Created"}})
def upsert_task(task_id: UUID, task: Task):
    status = 200 if task_id in tasks else 201
    tasks[task_id] = task.model_dump(mode="json")
    return JSONResponse(status_code=status, content=tasks[task_id])


@app.delete("/tasks/{task_id}")
def delete_task(task_id: UUID):
    if tasks.pop(task_id, None) is None:
        raise HTTPException(status_code=404)
