"""The admin's middleware (sessions, CSRF, the logged-in user, messages) runs for the admin and
is skipped for the API, which authenticates every request by its key."""

from django.test import Client


def test_api_answers_carry_no_session_or_csrf_traces(api, seed_body):
    # Given an API request
    # When it is answered
    response = api.create_order(seed_body)
    # Then no cookie is set and the answer does not vary by cookie (caches may share it)
    assert response.status_code == 201
    assert response.cookies == {}
    assert "Cookie" not in response.get("Vary", "")
    assert not hasattr(response.wsgi_request, "user") and not hasattr(response.wsgi_request, "session")


def test_the_admin_still_gets_its_csrf_token_and_session(db):
    # Given the admin's login page
    client = Client(enforce_csrf_checks=True)
    # When it is read, and a login is posted without the CSRF token
    page = client.get("/admin/login/")
    refused = client.post("/admin/login/", {"username": "x", "password": "y"})
    # Then the page set the CSRF cookie, and the post without the token is refused
    assert page.status_code == 200 and "csrftoken" in page.cookies
    assert refused.status_code == 403
    assert hasattr(page.wsgi_request, "user") and hasattr(page.wsgi_request, "session")


def test_every_api_401_names_its_scheme(token):
    # Given requests with no key and with an unknown one, to ninja's routes
    client = Client()
    answers = [
        client.get("/api/v1/channel/1/orders/"),
        client.get("/api/v1/channel/1/orders/", HTTP_AUTHORIZATION="Token nope"),
        client.post("/api/v1/channel/1/create_orders/", "{}", content_type="application/json"),
    ]
    # Then each 401 says which scheme to use, as RFC 9110 asks
    assert [(a.status_code, a.get("WWW-Authenticate")) for a in answers] == [(401, "Token")] * 3


def test_answers_with_personal_data_may_not_be_stored_by_caches(api, seed_body):
    # Given answers carrying a customer's order and address, an error, and a list
    created = api.create_order(seed_body)
    listed = api.get("/api/v1/channel/1/orders/")
    refused = Client().get("/api/v1/channel/1/customers/")
    # Then none may be kept by a cache between us and the client
    assert [created.status_code, listed.status_code, refused.status_code] == [201, 200, 401]
    assert {a["Cache-Control"] for a in (created, listed, refused)} == {"no-store"}
