"""Settings from the environment: a bad value stops the start naming the variable."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from oms.core.envvars import BadEnvironmentValue, env_float, env_int


@pytest.mark.parametrize(
    ("raw", "expected"), [(None, 5), ("", 5), ("  ", 5), ("7", 7), (" 12 ", 12), ("0", 0)]
)
def test_a_whole_number_is_read_and_unset_or_empty_gives_the_default(monkeypatch, raw, expected):
    if raw is None:
        monkeypatch.delenv("OMS_PROBE", raising=False)
    else:
        monkeypatch.setenv("OMS_PROBE", raw)
    assert env_int("OMS_PROBE", 5) == expected


@pytest.mark.parametrize(
    ("reader", "raw", "message"),
    [
        (env_int, "lots", "OMS_PROBE='lots' is not a whole number"),
        (env_int, "2.5", "OMS_PROBE='2.5' is not a whole number"),
        (env_int, "0", "OMS_PROBE='0' is below its minimum, 1"),
        (env_int, "-3", "OMS_PROBE='-3' is below its minimum, 1"),
        (env_float, "soon", "OMS_PROBE='soon' is not a number"),
        (env_float, "nan", "OMS_PROBE='nan' is not a finite number"),
        (env_float, "inf", "OMS_PROBE='inf' is not a finite number"),
        (env_float, "-0.5", "OMS_PROBE='-0.5' is below its minimum, 1"),
    ],
)
def test_a_value_the_setting_cannot_take_is_refused_by_name(monkeypatch, reader, raw, message):
    monkeypatch.setenv("OMS_PROBE", raw)
    with pytest.raises(BadEnvironmentValue) as refused:
        reader("OMS_PROBE", 5, minimum=1)
    assert str(refused.value) == message


def test_a_fraction_of_a_second_is_read(monkeypatch):
    monkeypatch.setenv("OMS_PROBE", "0.05")
    assert env_float("OMS_PROBE", 1) == 0.05


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("OMS_MAX_ITEMS_PER_ORDER", "lots", "OMS_MAX_ITEMS_PER_ORDER='lots' is not a whole number"),
        ("OMS_MAX_ITEMS_PER_ORDER", "0", "OMS_MAX_ITEMS_PER_ORDER='0' is below its minimum, 1"),
        ("OMS_STOCK_CONTENDED_SECONDS", "a minute", "OMS_STOCK_CONTENDED_SECONDS='a minute' is not a number"),
        ("WEB_THREADS", "four", "WEB_THREADS='four' is not a whole number"),
        (
            "OMS_STOCK_FUNCTION",
            "sometimes",
            "OMS_STOCK_FUNCTION 'sometimes' is not supported (use contended, always or never)",
        ),
    ],
)
def test_a_bad_value_in_the_environment_stops_the_start_naming_it(name, value, message):
    # Given the service started with a variable set to a value it cannot take
    env = {**os.environ, name: value, "DJANGO_SETTINGS_MODULE": "oms.settings"}
    env.pop("DATABASE_URL", None)
    # When its settings load
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True
    )
    # Then it stops, saying which variable and what is wrong with it
    assert done.returncode != 0
    assert message in done.stderr


def test_no_number_is_read_from_the_environment_without_its_name_in_the_error():
    root = Path(__file__).resolve().parents[2]
    bare = re.compile(r"(?:int|float)\(\s*os\.environ")
    found = [
        str(path.relative_to(root))
        for path in (root / "oms").rglob("*.py")
        if "tests" not in path.parts and bare.search(path.read_text())
    ]
    assert found == []


@pytest.mark.parametrize(
    ("command", "name", "value", "said"),
    [
        (["check"], "OMS_MAX_JSON_DEPTH", "deep", "oms: OMS_MAX_JSON_DEPTH='deep' is not a whole number"),
        (["check"], "DATABASE_URL", "mysql://db/oms", "oms: DATABASE_URL scheme 'mysql' is not supported"),
        (["serve"], "PORT", "http", "oms: PORT='http' is not a whole number"),
        (
            ["serve", "--port", "0"],
            "OMS_HEADER_READ_TIMEOUT_SECONDS",
            "-1",
            "oms serve: OMS_HEADER_READ_TIMEOUT_SECONDS='-1' is below its minimum, 0",
        ),
    ],
)
def test_the_command_line_says_which_setting_is_wrong_in_one_line(command, name, value, said):
    # Given an operator's environment with one bad value
    env = {**os.environ, name: value}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if name != "DATABASE_URL":
        env.pop("DATABASE_URL", None)
    # When they run the command
    oms = str(Path(sys.executable).with_name("oms"))
    done = subprocess.run([oms, *command], env=env, capture_output=True, text=True, timeout=60)
    # Then it stops with the setting named, and no traceback to read through
    assert done.returncode != 0
    assert said in done.stderr and "Traceback" not in done.stderr, done.stderr
