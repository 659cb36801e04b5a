"""A zoo's upsert service with two resources, for the `itemctl serve --openapi`
differential test (tests/services/standin_diff.py).

PUT /zoos/{zoo_id} (a text id, at most 12 characters): 201 when created, 200
when replaced (`JSONResponse`, 201 documented); GET reads a zoo back.

PUT /zoos/{zoo_id}/animals/{animal_id} (a parent's text id and an integer id
`Path(ge=1, le=1_000_000)`; the store is keyed by both, and is its own: an
animal needs no zoo): 201 with the stored animal when created, 204 No Content
when replaced (`status_code=201`, 204 documented in `responses`); GET reads an
animal back, DELETE removes it (204; 404 when absent).

Covers the unions: `int | str`; a union of two models (`Keeper | Volunteer`,
smart mode); a discriminated union (`Field(discriminator="kind")` over three
models, each with a `Literal` tag); `float | None`; a list of Literals with
min_length; a `datetime.date`; Optional nested models.
"""

from datetime import date
from typing import Literal

from fastapi import FastAPI, HTTPException, Path, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

app = FastAPI(title="zoo")


class Zoo(BaseModel):
    name: str = Field(min_length=1, max_length=60)
    city: str | None = None
    capacity: int | str = 100
    opened: date | None = None


class Lion(BaseModel):
    kind: Literal["lion"]
    mane: bool = True
    pride: int = Field(default=1, ge=1, le=30)


class Parrot(BaseModel):
    kind: Literal["parrot"]
    words: list[str] = Field(default=[], max_length=10)
    wingspan_cm: float = Field(default=30.0, gt=0, lt=200)


class Snake(BaseModel):
    kind: Literal["snake"]
    venomous: bool
    length_m: float | None = None


class Keeper(BaseModel):
    name: str = Field(min_length=1)
    staff_no: int = Field(ge=1000, le=9999)


class Volunteer(BaseModel):
    name: str = Field(min_length=1)
    hours: float = Field(default=0, ge=0)
    since: date | None = None


class Animal(BaseModel):
    name: str = Field(min_length=1, max_length=40)
    species: Lion | Parrot | Snake = Field(discriminator="kind")
    carer: Keeper | Volunteer | None = None
    tag: int | str
    weight_kg: float | None = Field(default=None, gt=0)
    diet: list[Literal["meat", "fish", "seeds", "fruit", "insects"]] = Field(min_length=1)
    born: date | None = None


ZooId = Path(max_length=12)
AnimalId = Path(ge=1, le=1_000_000)

zoos: dict[str, dict] = {}
animals: dict[tuple[str, int], dict] = {}


@app.get("/zoos/{zoo_id}")
async def read_zoo(zoo_id: str = ZooId):
    if zoo_id not in zoos:
        raise HTTPException(status_code=404)
    return zoos[zoo_id]


@app.put("/zoos/{zoo_id}", responses={201: {"description": "Created"}})
async def upsert_zoo(zoo: Zoo, zoo_id: str = ZooId):
    status = 200 if zoo_id in zoos else 201
    zoos[zoo_id] = zoo.model_dump(mode="json", by_alias=True)
    return JSONResponse(status_code=status, content=zoos[zoo_id])


@app.get("/zoos/{zoo_id}/animals/{animal_id}")
async def read_animal(zoo_id: str = ZooId, animal_id: int = AnimalId):
    if (zoo_id, animal_id) not in animals:
        raise HTTPException(status_code=404)
    return animals[(zoo_id, animal_id)]


@app.put(
    "/zoos/{zoo_id}/animals/{animal_id}",
    status_code=201,
    responses={204: {"description": "Replaced"}},
)
async def upsert_animal(animal: Animal, zoo_id: str = ZooId, animal_id: int = AnimalId):
    key = (zoo_id, animal_id)
    existed = key in animals
    animals[key] = animal.model_dump(mode="json", by_alias=True)
    if existed:
        return Response(status_code=204)
    return JSONResponse(status_code=201, content=animals[key])


@app.delete(
    "/zoos/{zoo_id}/animals/{animal_id}",
    status_code=204,
    responses={404: {"description": "Not Found"}},
)
async def delete_animal(zoo_id: str = ZooId, animal_id: int = AnimalId):
    if animals.pop((zoo_id, animal_id), None) is None:
        raise HTTPException(status_code=404)
    return Response(status_code=204)
