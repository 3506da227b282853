"""The supply chain: every dependency pinned in a hashed lock file that agrees with the readable lists, and the
versions with known advisories pinned past them."""
import re
from importlib import metadata
from pathlib import Path

import pytest
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;\\]+)")
# Versions known to carry advisories: the pins must be at or past these.
AT_LEAST = {"weasyprint": "70.0", "werkzeug": "3.1.6", "jinja2": "3.1.6"}
MUST_BE_PINNED = {"weasyprint", "werkzeug", "jinja2", "pillow", "fonttools"}


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw).lower()


def _pins(path: Path) -> dict[str, str]:
    """The name -> version pins of a requirements file (its -r includes are other files)."""
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-r "):
            continue
        found = PIN.match(line)
        assert found, f"{path.name}: not pinned with ==: {line!r}"
        pins[_name(found.group(1))] = found.group(2)
    return pins


def _locked(path: Path) -> dict[str, str]:
    """The name -> version entries of a pip-compile lock file, each checked to carry at least one hash."""
    entries = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", path.read_text()):
        found = PIN.match(block)
        if found:
            assert "--hash=sha256:" in block, f"{path.name}: {found.group(1)} has no hash"
            entries[_name(found.group(1))] = found.group(2)
    return entries


@pytest.mark.parametrize("listed, lock", [("requirements.txt", "requirements.lock"),
                                          ("requirements-dev.txt", "requirements-dev.lock")])
def test_the_lock_file_pins_every_listed_package_with_hashes(listed, lock):
    pins, locked = _pins(ROOT / listed), _locked(ROOT / lock)
    assert {name: version for name, version in pins.items() if locked.get(name) != version} == {}
    if lock == "requirements-dev.lock":  # the dev lock holds the runtime one too
        runtime = _locked(ROOT / "requirements.lock")
        assert {n: v for n, v in runtime.items() if locked.get(n) != v} == {}


def test_packages_with_advisories_are_pinned_past_them():
    pins = _pins(ROOT / "requirements.txt")
    assert MUST_BE_PINNED <= set(pins)
    assert {name: pins[name] for name, floor in AT_LEAST.items() if Version(pins[name]) < Version(floor)} == {}


def test_the_environment_is_what_the_lock_says():
    locked = _locked(ROOT / "requirements.lock")
    installed = {_name(dist.metadata["Name"]): dist.version for dist in metadata.distributions()}
    assert {name: (version, installed.get(name)) for name, version in locked.items()
            if installed.get(name) != version} == {}
