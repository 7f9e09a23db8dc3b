"""The studio in a pseudo-language: every word it shows is catalog text, or the pack's own data."""
import pytest

from support.pseudo import not_from_the_catalog, pseudo, pseudo_language

from .conftest import open_studio, record_take


@pytest.fixture
def xx(tmp_path):
    with pseudo_language(tmp_path / "locale") as lang:
        yield lang


def _pack_data(window) -> tuple[str, ...]:
    """What the pack and the config supply: fragment ids, their words or glosses, the folder."""
    items = window.studio.items if window.studio is not None else []
    return (str(window.folder), *[item.id for item in items], *[item.prompt for item in items])


@pytest.mark.parametrize("kind", ["voice", "sign"])
def test_the_studio_shows_only_catalog_words(qtbot, config, tmp_path, xx, kind):
    folder = tmp_path / kind
    window = open_studio(qtbot, config, kind, folder, new=True, lang=xx)
    assert not not_from_the_catalog(window, config, typed=_pack_data(window)), "the new-pack form"
    window.form.create()
    assert window.form.problem.text().startswith(pseudo("Isi nama yang merekam."))
    assert not not_from_the_catalog(window, config, typed=_pack_data(window)), "the form's problems"
    window.form.person.setText("Rina")
    window.form.licence.setText("CC-BY-4.0")
    window.form.consent.setText("ok")
    window.form.region.setText("Balikpapan")
    assert window.form.create()
    typed = (*_pack_data(window), "Rina", "CC-BY-4.0", "Balikpapan")
    assert not not_from_the_catalog(window, config, typed=typed), "ready to record"
    record_take(qtbot, window)
    assert window.state_label.text() == pseudo("Simpan dengan Enter, ulangi dengan R, putar lagi dengan P")
    assert not not_from_the_catalog(window, config, typed=typed), "a take in review"
    window.shutdown()
