"""Safety: SQL injection cannot change a query, non-loopback needs a credential, auth, secrets unseen."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from homelake.cli.serve import serve
from homelake.secrets import SecretError, SecretRef
from homelake.settings import Settings
from homelake.web import queries
from homelake.web.config import DashboardAuth, DashboardConfig, DashboardConfigError, is_loopback
from homelake.web.queries import inventory_list
from tests.web.conftest import client_for

INJECTION = "' or 1=1; drop table inventory; --"
TOKEN = "s3cret-token-value"


def test_sort_and_direction_outside_the_allow_lists_cannot_change_the_sql() -> None:
    default = inventory_list(queries.DEFAULT_SORT, "asc").sql
    assert inventory_list("mac; drop table inventory", "desc; --").sql == default
    assert inventory_list(INJECTION, INJECTION).sql == default
    assert "drop" not in inventory_list("name", "asc").sql.lower()
    assert inventory_list("mac", "desc").sql != default  # allowed keys do change the order


def test_search_text_is_bound_never_spliced() -> None:
    sql = inventory_list("name", "asc").sql
    assert "$q" in sql and "'" + "%" not in sql
    assert queries.inventory_list("name", "asc").param_names == {"q"}


@pytest.mark.integration
def test_injection_through_the_http_parameters_does_nothing(demo_settings: Settings) -> None:
    client = client_for(demo_settings)
    total = client.get("/inventory").text.count('href="/devices/')
    hostile = client.get("/inventory", params={"q": INJECTION, "sort": "mac; drop table inventory", "dir": "x"})
    assert hostile.status_code == 200
    assert hostile.text.count('href="/devices/') == 0  # searched for the literal text: no match
    assert "No devices match" in hostile.text
    # the table is still there and whole
    assert client.get("/inventory").text.count('href="/devices/') == total > 0
    ordered = client.get("/inventory", params={"sort": "1; select 1", "dir": "desc"})
    assert ordered.status_code == 200 and ordered.text.count('href="/devices/') == total


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "myhost.lan"])
def test_non_loopback_without_a_credential_refuses_to_start(empty_settings: Settings, host: str) -> None:
    with pytest.raises(DashboardConfigError, match="refusing to serve the dashboard on .* without a credential"):
        client_for(empty_settings, DashboardConfig(host=host))


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_needs_no_credential(host: str) -> None:
    assert is_loopback(host)
    DashboardConfig(host=host).check_exposure()


def test_non_loopback_with_a_credential_starts(empty_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOMELAKE_DASH_TOKEN", TOKEN)
    config = DashboardConfig(host="0.0.0.0", auth=DashboardAuth(token=SecretRef(env="HOMELAKE_DASH_TOKEN")))
    assert client_for(empty_settings, config).get("/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_a_missing_secret_stops_the_start(empty_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOMELAKE_DASH_NOPE", raising=False)
    config = DashboardConfig(auth=DashboardAuth(token=SecretRef(env="HOMELAKE_DASH_NOPE")))
    with pytest.raises(SecretError, match="HOMELAKE_DASH_NOPE"):
        client_for(empty_settings, config)


def test_basic_auth_needs_both_halves() -> None:
    with pytest.raises(ValueError, match="both"):
        DashboardAuth(username="anna")


@pytest.fixture
def token_client(empty_settings: Settings, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    monkeypatch.setenv("HOMELAKE_DASH_TOKEN", TOKEN)
    return client_for(empty_settings, DashboardConfig(auth=DashboardAuth(token=SecretRef(env="HOMELAKE_DASH_TOKEN"))))


def test_token_required_on_every_route(token_client) -> None:  # noqa: ANN001
    for path in ("/", "/inventory", "/api/charts/wifi_clients", "/static/plotly.min.js", "/static/app.css"):
        assert token_client.get(path).status_code == 401, path
    assert token_client.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert token_client.get("/", params={"token": "wrong"}).status_code == 401


def test_bearer_header_works(token_client) -> None:  # noqa: ANN001
    assert token_client.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_query_token_once_sets_a_cookie_and_leaves_the_url(token_client) -> None:  # noqa: ANN001
    first = token_client.get("/energy", params={"token": TOKEN, "range": "7d"}, follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"].endswith("/energy?range=7d")
    cookie = first.cookies.get("homelake_session")
    assert cookie and TOKEN not in cookie
    assert "httponly" in first.headers["set-cookie"].lower()
    # the client keeps the cookie: later requests need nothing else
    assert token_client.get("/inventory").status_code == 200
    assert token_client.get("/api/charts/wifi_clients").status_code == 200


def test_secrets_are_never_rendered(token_client) -> None:  # noqa: ANN001
    headers = {"Authorization": f"Bearer {TOKEN}"}
    for path in ("/", "/inventory", "/energy", "/climate", "/network", "/health", "/api/charts/wifi_clients"):
        assert TOKEN not in token_client.get(path, headers=headers).text


def test_basic_auth(empty_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOMELAKE_DASH_PASSWORD", "pa:ss")
    auth = DashboardAuth(username="anna", password=SecretRef(env="HOMELAKE_DASH_PASSWORD"))
    client = client_for(empty_settings, DashboardConfig(host="0.0.0.0", auth=auth))
    challenge = client.get("/")
    assert challenge.status_code == 401 and challenge.headers["www-authenticate"].startswith("Basic")

    def basic(user: str, password: str) -> dict[str, str]:
        return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}

    assert client.get("/", headers=basic("anna", "pa:ss")).status_code == 200
    assert client.get("/", headers=basic("anna", "wrong")).status_code == 401
    assert client.get("/", headers=basic("bob", "pa:ss")).status_code == 401
    assert client.get("/", headers={"Authorization": "Basic !!!"}).status_code == 401


def test_serve_on_a_public_address_without_a_credential_is_one_error_line(tmp_path: Path) -> None:
    site = tmp_path / "site.yaml"
    site.write_text("lake: {root: lake}\nwarehouse: {path: warehouse/homelake.duckdb}\n")
    app = typer.Typer()
    app.command("serve")(serve)
    app.command("noop")(lambda: None)
    result = CliRunner().invoke(app, ["serve", "-c", str(site), "--host", "0.0.0.0", "--port", "8999"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert result.output.startswith("error: refusing to serve the dashboard on 0.0.0.0 without a credential")
