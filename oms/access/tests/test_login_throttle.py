"""The login throttle through HTTP: the API's auth/login/ and the admin's login form."""

import os
import subprocess
import sys

import pytest
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.test import Client

from conftest import ApiClient

pytestmark = pytest.mark.django_db
LOGIN = "/api/v1/auth/login/"
ADMIN_LOGIN = "/admin/login/"
# One window for the whole test run (it ends in 2033), so that no test straddles two windows.
WINDOW = 10**9


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.OMS_LOGIN_FAILURES_PER_USERNAME = 5
    settings.OMS_LOGIN_FAILURES_PER_ADDRESS = 20
    settings.OMS_LOGIN_WINDOW_SECONDS = WINDOW


@pytest.fixture
def password_checks(monkeypatch) -> list[str]:
    """The usernames whose password was checked (hashed), in order."""
    seen: list[str] = []
    original = ModelBackend.authenticate

    def spy(self, request, username=None, password=None, **kwargs):
        seen.append(username)
        return original(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", spy)
    return seen


def login(username: str, password: str, address: str = "10.0.0.1"):
    return ApiClient(None).post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def assert_rate_limited(response) -> None:
    assert response.status_code == 429, response.content
    body = response.json()
    assert [e["code"] for e in body["errors"]] == ["rate_limited"]
    assert 0 < int(response["Retry-After"]) <= WINDOW


def test_the_sixth_failure_of_a_username_is_refused_with_retry_after(demo):
    # Given five failed logins of the demo admin
    failures = [login(demo.admin_username, f"wrong-{n}") for n in range(5)]
    # When a sixth guess comes, and then the right password
    sixth = login(demo.admin_username, "wrong-5")
    right = login(demo.admin_username, demo.admin_password)
    # Then the five were 400, the sixth and even the right password are 429 with Retry-After
    assert [r.status_code for r in failures] == [400] * 5
    assert_rate_limited(sixth)
    assert_rate_limited(right)
    # and another address is refused too (the username's count), while another username is not
    assert_rate_limited(login(demo.admin_username, demo.admin_password, address="10.0.0.2"))
    assert login("someone-else", "wrong").status_code == 400


def test_twenty_failures_from_one_address_across_usernames_are_refused(demo):
    # Given 20 failed logins from one address, four for each of five usernames
    failures = [login(f"user-{n % 5}", "wrong") for n in range(20)]
    # When the demo admin logs in from that address, and from another one
    same = login(demo.admin_username, demo.admin_password)
    other = login(demo.admin_username, demo.admin_password, address="10.0.0.2")
    # Then the address is refused even with the right password; the other address logs in
    assert [r.status_code for r in failures] == [400] * 20
    assert_rate_limited(same)
    assert other.status_code == 200 and other.json()["key"]


def test_a_success_resets_the_usernames_count(demo):
    # Given four failed logins of the demo admin, then a successful one
    assert [login(demo.admin_username, "wrong").status_code for _ in range(4)] == [400] * 4
    assert login(demo.admin_username, demo.admin_password).status_code == 200
    # When it fails four more times
    again = [login(demo.admin_username, "wrong").status_code for _ in range(4)]
    # Then the count started over: a fifth failure is still checked (400), only the sixth is 429
    assert again == [400] * 4
    assert login(demo.admin_username, "wrong").status_code == 400
    assert_rate_limited(login(demo.admin_username, "wrong"))


def test_a_refused_login_hashes_nothing(demo, password_checks):
    # Given a username at its limit
    for _ in range(5):
        login(demo.admin_username, "wrong")
    assert len(password_checks) == 5
    # When it is tried again, with the right password and a wrong one
    refused = [login(demo.admin_username, demo.admin_password), login(demo.admin_username, "wrong")]
    # Then both are refused before any password check
    for response in refused:
        assert_rate_limited(response)
    assert len(password_checks) == 5


def admin_login(client: Client, username: str, password: str):
    return client.post(
        ADMIN_LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR="10.0.0.1"
    )


def test_the_admin_login_form_is_refused_past_the_limit_before_hashing(demo, password_checks):
    # Given five failed logins of the demo admin through the admin's form
    browser = Client()
    failures = [admin_login(browser, demo.admin_username, "wrong") for _ in range(5)]
    assert [r.status_code for r in failures] == [200] * 5  # the form again, with its error
    assert len(password_checks) == 5
    # When the right password is sent through the form
    refused = admin_login(browser, demo.admin_username, demo.admin_password)
    # Then the form shows the refusal, no session is opened, and no password was checked
    assert refused.status_code == 200
    assert "Too many failed logins" in refused.content.decode()
    assert "_auth_user_id" not in browser.session
    assert len(password_checks) == 5
    # and the API's login counts the same failures
    assert_rate_limited(login(demo.admin_username, demo.admin_password))


def test_an_admin_login_resets_the_count(demo):
    # Given four failed logins through the API, then a successful one through the admin's form
    for _ in range(4):
        login(demo.admin_username, "wrong")
    browser = Client()
    assert admin_login(browser, demo.admin_username, demo.admin_password).status_code == 302
    # When the API login fails five more times
    again = [login(demo.admin_username, "wrong").status_code for _ in range(5)]
    # Then all five were checked: the admin's success started the count over
    assert again == [400] * 5


# One oms process with the environment's REDIS_URL, failing two logins of `admin` through the throttle.
FAIL_TWICE = """
import sys
import django
django.setup()
from oms.access.throttle import login_attempt
for n in range(2):
    try:
        with login_attempt(username="admin", address=f"10.1.{sys.argv[1]}.{n}", failures=(ValueError,)):
            raise ValueError("wrong password")
    except ValueError:
        pass
"""


def test_processes_sharing_a_redis_see_one_count(demo, redis_port, settings):
    # Given this process's cache in a Redis, and two other oms processes given it as REDIS_URL,
    # each failing two logins of the demo admin
    url = f"redis://127.0.0.1:{redis_port}/0"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    cache.clear()
    environment = {**os.environ, "REDIS_URL": url, "OMS_LOGIN_WINDOW_SECONDS": str(WINDOW)}
    for process in ("1", "2"):
        subprocess.run([sys.executable, "-c", FAIL_TWICE, process], env=environment, check=True, timeout=60)
    # When this process fails a fifth time, then sends the right password
    fifth = login(demo.admin_username, "wrong")
    right = login(demo.admin_username, demo.admin_password)
    cache.clear()
    # Then the fifth was still checked and the right password is refused: one count of five
    assert fifth.status_code == 400
    assert_rate_limited(right)
