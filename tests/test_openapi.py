"""The API's OpenAPI description: served, and kept honest by fuzzing the API from it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from finder.models import Listing
from finder.web import openapi

# The fuzzer sends the examples, the boundary values and then this many generated requests
# per operation, the same ones on every run.
FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def directory(add: Callable[..., Listing]) -> None:
    """A few listings of each sort, so searches find some."""
    add(name="Dr. Near", specialties=["endocrinology"], tumor_sites=["pancreas"])
    add(name="Far Program", kind="program", latitude=40.7, longitude=-74.0, city="New York")
    add(name="Online Group", kind="support_group", virtual=True, latitude=None, longitude=None)
    add(
        name="Telehealth Doc",
        telehealth=True,
        latitude=42.1,
        longitude=-72.6,
        languages=["Spanish"],
    )
    add(name="Hidden", published=False)


# Built here rather than fetched, as pytest collects the tests before any app exists;
# test_served_description_is_valid_openapi ties the two together.
schema = schemathesis.openapi.from_dict(openapi.spec())


def test_served_description_is_valid_openapi(client: FlaskClient) -> None:
    res = client.get("/api/v1/openapi.json")
    assert res.status_code == 200 and res.mimetype == "application/json"
    served = res.get_json()
    schemathesis.openapi.from_dict(served).validate()  # against the OpenAPI 3.1 meta-schema
    assert served == openapi.spec()  # the description the fuzzer below works from


def places_only(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> None:
    """A well-formed search is refused only for its place, which no schema can check."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 400:
        return
    code = response.json()["error"]["code"]
    sent = {"lat", "lon"} & set(case.query or {})
    if {"page", "offset"} <= set(case.query or {}):
        allowed = {"invalid_page"}  # one or the other: a rule between parameters
    elif len(sent) == 1:
        allowed = {"invalid_location"}  # one without the other: a rule between parameters
    elif not sent:
        allowed = {"invalid_query", "unknown_location", "address_lookup_off"}  # q is free text
    else:
        allowed = set()  # coordinates on Earth always make a search
    assert code in allowed, f"A schema-valid search was refused with {code}"


@schema.parametrize()
@FUZZ
def test_api_does_what_its_description_says(
    app: Flask, directory: None, case: schemathesis.Case
) -> None:
    if case.operation.path == "/search":
        # The stock check wants every schema-valid request accepted; a ZIP code that isn't
        # one is schema-valid, so for searches it is narrowed to refusals about the place.
        case.call_and_validate(
            app=app, excluded_checks=[positive_data_acceptance], additional_checks=[places_only]
        )
    else:
        case.call_and_validate(app=app)
