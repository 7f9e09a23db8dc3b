"""Whatever a technician writes, check-config answers with problems, never a traceback."""
import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.config import ConfigError, parse_config
from support.configs import BASE

SECTIONS = sorted(BASE) + ["queue", "printer", "kiosk", "display", "counter_app"]
junk = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**6) | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drop=st.sets(st.sampled_from(SECTIONS)), replace=st.dictionaries(st.sampled_from(SECTIONS), junk, max_size=3))
def test_any_broken_config_gives_problems_not_a_crash(drop, replace):
    data = copy.deepcopy(BASE)
    for section in drop:
        data.pop(section, None)
    data.update(replace)
    try:
        parse_config(data)
    except ConfigError as exc:
        assert exc.problems and all(isinstance(p, str) and ": " in p for p in exc.problems)


def test_only_a_lobby_lists_every_missing_section():
    try:
        parse_config({"lobby": {"name": "x"}})
    except ConfigError as exc:
        assert {p.split(":")[0] for p in exc.problems} >= {"agencies", "groups", "services", "schedule"}
    else:
        raise AssertionError("a config with only [lobby] must not load")


def test_announcement_template_with_unknown_placeholder_is_reported():
    from support.configs import config_dict

    data = config_dict(audio={"enabled": False, "templates": {"id": "Nomor {kode} ke {counter}", "en": "Number {code}"}})
    try:
        parse_config(data)
    except ConfigError as exc:
        assert any(p.startswith("audio.templates: id: unknown placeholder {kode}") for p in exc.problems), exc.problems
    else:
        raise AssertionError("a template the voice cannot fill must not load")
