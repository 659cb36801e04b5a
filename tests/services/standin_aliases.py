"""A profile service whose model has an alias generator and separate
validation and serialization aliases, for the `itemctl serve --openapi`
differential test (tests/services/standin_diff.py).

PUT /profiles/{profile_id}: an integer id; 201 when created, 200 when
replaced (`status_code=201`, `response.status_code`); `response_model=Profile`,
so the document has `Profile-Input` (validation aliases) and
`Profile-Output` (serialization aliases); GET reads it back through the
same response model.

Covers: `alias_generator=to_camel` (camelCase in and out),
`Field(validation_alias=..., serialization_alias=...)` (one key in, another
out), a nested model with its own camelCase aliases, and a float field.
"""

from fastapi import FastAPI, HTTPException, Response
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

app = FastAPI(title="aliases")


class Contact(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel)
    phone_number: str = Field(min_length=3)
    is_primary: bool = False


class Profile(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel)
    first_name: str
    last_name: str | None = None
    login_count: int = Field(default=0, ge=0)
    user_ref: str = Field(default="", validation_alias="userRefIn", serialization_alias="user_ref_out")
    score: float = 0.0
    contacts: list[Contact] = []


profiles: dict[int, Profile] = {}


@app.get("/profiles/{profile_id}", response_model=Profile)
def read_profile(profile_id: int):
    if profile_id not in profiles:
        raise HTTPException(status_code=404)
    return profiles[profile_id]


@app.put("/profiles/{profile_id}", status_code=201, response_model=Profile)
def upsert_profile(profile_id: int, profile: Profile, response: Response):
    if profile_id in profiles:
        response.status_code = 200
    profiles[profile_id] = profile
    return profile
