"""Request bodies are read as the json module reads them, though orjson does most of the reading."""

import json
import math

import pytest

from oms.core.errors import ValidationFailed
from oms.core.http import parse_json

SAME_AS_JSON = [
    b'{"order": {"number": "A-1", "amount": "10.00"}, "order_item": [{"product": 1}]}',
    b'{"a": 1, "a": 2}',  # the last duplicate wins
    b'{"big": 123456789012345678901234567890}',  # past 64 bits: an int, not a float
    b'{"low": -9223372036854775809, "high": 18446744073709551616}',
    b'{"u64": 18446744073709551615, "i64": -9223372036854775808}',
    b'{"f": 0.1, "e": 1E2, "tiny": 5e-324, "digits": 1.2345678901234567890123}',
    b'"\\ud800"',  # a lone surrogate
    b'\xef\xbb\xbf{"bom": true}',
    '{"utf16": "ü"}'.encode("utf-16"),
    b'{"nested": [[[[[[[[[[1]]]]]]]]]]}',
    b'{"huge": 1e400}',  # json reads infinity: the schema refuses it with a path
    b'  {"space": null}  ',
]


@pytest.mark.parametrize("body", SAME_AS_JSON)
def test_valid_bodies_read_as_the_json_module_reads_them(body):
    got, expected = parse_json(body), json.loads(body)
    assert repr(got) == repr(expected)  # types too: 1 is not 1.0


def test_infinity_from_a_long_exponent_stays_a_float():
    assert math.isinf(parse_json(b'{"huge": 1e400}')["huge"])


@pytest.mark.parametrize(
    "body",
    [b"", b"{", b'{"a": NaN}', b"[Infinity]", b'{"a": 1,}', b"\xff\xfe\xfd", b"[" * 5000 + b"]" * 5000],
)
def test_malformed_bodies_are_refused_with_the_json_modules_message(body):
    with pytest.raises(ValidationFailed) as refused:
        parse_json(body)
    problem = refused.value.problems[0]
    assert (problem.path, problem.code) == ("", "invalid_json")
    assert problem.message.startswith("The body is not valid JSON: ")
    with pytest.raises((ValueError, RecursionError)) as by_json:
        json.loads(body, parse_constant=_reject)
    assert problem.message == f"The body is not valid JSON: {by_json.value}"


def _reject(name: str):
    raise ValueError(f"{name} is not valid JSON")
