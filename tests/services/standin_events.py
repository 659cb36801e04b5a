"""An events calendar's upsert service, for the `itemctl serve --openapi`
differential test (tests/services/standin_diff.py).

PUT /events/{event_id}: an integer id (`Path(ge=1, le=1_000_000)`), 201
when created, 200 when replaced (`JSONResponse`, 201 documented). GET reads
an event back (404 {"detail":"Not Found"}), DELETE removes it (204; 404 when
absent).

Covers the containers and deeper nesting: a list of nested models with
min_length and max_length (`attendees`, each with a Literal, an int with
bounds and a nested Optional model two levels down); a dict of models
(`rooms: dict[str, Room]`); `dict[str, float]`; `list[int | None]`; a list
default that is not empty (`[15]`); `datetime.datetime` and `datetime.time`;
an IntEnum with a default; an int `Literal`; Optional fields.
"""

from datetime import datetime, time
from enum import IntEnum
from typing import Literal

from fastapi import FastAPI, HTTPException, Path, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

app = FastAPI(title="events")


class Priority(IntEnum):
    low = 1
    normal = 2
    high = 3


class Badge(BaseModel):
    code: str = Field(pattern=r"^[A-Z]{2}[0-9]{2}$")
    level: Literal[1, 2, 3] = 1


class Attendee(BaseModel):
    name: str = Field(min_length=1, max_length=30)
    rsvp: Literal["yes", "no", "maybe"] = "maybe"
    plus_ones: int = Field(default=0, ge=0, le=3)
    badge: Badge | None = None


class Room(BaseModel):
    capacity: int = Field(gt=0, le=500)
    floor: int | None = None
    accessible: bool = True


class Event(BaseModel):
    title: str = Field(min_length=1, max_length=100)
    starts_at: datetime
    ends_at: datetime | None = None
    daily_at: time | None = None
    priority: Priority = Priority.normal
    attendees: list[Attendee] = Field(min_length=1, max_length=5)
    rooms: dict[str, Room] = {}
    budget: dict[str, float] = {}
    slots: list[int | None] = []
    reminders: list[int] = Field(default=[15], max_length=3)
    recurring: bool = False


EventId = Path(ge=1, le=1_000_000)

events: dict[int, dict] = {}


@app.get("/events/{event_id}")
async def read_event(event_id: int = EventId):
    if event_id not in events:
        raise HTTPException(status_code=404)
    return events[event_id]


@app.put("/events/{event_id}", responses={201: {"description": "Created"}})
async def upsert_event(event: Event, event_id: int = EventId):
    status = 200 if event_id in events else 201
    events[event_id] = event.model_dump(mode="json", by_alias=True)
    return JSONResponse(status_code=status, content=events[event_id])


@app.delete("/events/{event_id}", status_code=204, responses={404: {"description": "Not Found"}})
async def delete_event(event_id: int = EventId):
    if events.pop(event_id, None) is None:
        raise HTTPException(status_code=404)
    return Response(status_code=204)
