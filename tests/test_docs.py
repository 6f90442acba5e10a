"""Documentation coverage (after datasette): a check, a finding code or a profile key that the README
or the example profile does not describe fails the build."""

from pathlib import Path

import yaml

from govaudit import registry
from govaudit.models import LinkStatus
from govaudit.profile import Profile

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_shows_the_two_commands():
    assert "make demo" in README and "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_every_check_and_code_is_documented():
    for check_id, cls in registry.checks().items():
        assert f"`{check_id}`" in README, check_id
        for code in cls.codes:
            assert f"`{code}`" in README, code
            assert cls.codes[code].description and cls.codes[code].description_zh


def test_every_link_status_is_documented():
    for status in LinkStatus:
        assert f"| `{status.value}` |" in README


def test_example_profile_names_every_key():
    example = yaml.safe_load((ROOT / "config" / "profiles" / "example.yaml").read_text(encoding="utf-8"))
    for section, model in Profile.model_fields.items():
        if section == "source":
            continue
        assert section in example, section
        annotation = model.annotation
        if hasattr(annotation, "model_fields"):
            assert set(annotation.model_fields) == set(example[section]), section
            for key in annotation.model_fields:
                assert f"`{key}`" in README, key
