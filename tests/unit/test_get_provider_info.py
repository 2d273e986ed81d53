"""The provider info's `versions` are the CHANGELOG's releases, newest first, pyproject's on top."""

import re
from pathlib import Path

import tomllib
from packaging.version import Version

from airflow_provider_jodo.get_provider_info import get_provider_info

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def changelog_versions() -> list[str]:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    return re.findall(r"^## (\d+\.\d+\.\d+)\b", text, flags=re.MULTILINE)


def test_provider_info_versions_are_the_changelog_releases_newest_first_pyproject_on_top():
    versions = get_provider_info()["versions"]
    assert versions == changelog_versions()
    assert versions[0] == PROJECT["version"]
    assert versions == sorted(versions, key=Version, reverse=True)
