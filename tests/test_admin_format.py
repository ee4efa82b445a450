"""The admin's CSV format page: data/README.md itself, rendered, for admins only."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from finder import vocab
from tests.test_admin import _admin_account, login  # noqa: F401  (an autouse fixture)


@pytest.fixture
def admin(client: FlaskClient) -> FlaskClient:
    assert login(client).status_code == 302
    return client


def test_the_format_page_is_the_repository_file(admin: FlaskClient) -> None:
    page = admin.get("/admin/format").get_data(as_text=True)
    assert "<h1>The listings CSV format</h1>" in page
    # The column table and the generated vocabulary table, as tables.
    assert "<td><code>last_verified</code></td>" in page
    assert "NETSPOT" in page and "<td><code>dotatate-pet</code></td>" in page
    for term in vocab.LANGUAGES:
        assert f"<code>{term.slug}</code>" in page
    # The template link goes to the admin's download, not a repository path.
    assert 'href="/admin/template.csv"' in page
    # Reached from the upload page, which no longer points at a repository file.
    upload = admin.get("/admin/import").get_data(as_text=True)
    assert 'href="/admin/format"' in upload and "data/README.md" not in upload


def test_the_format_page_is_for_admins(client: FlaskClient) -> None:
    response = client.get("/admin/format")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
