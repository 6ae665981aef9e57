"""The shipped sample province: Quảng Ngãi as of 2018-01-01, and its 2015 baseline.

An *illustrative* org for examples, demos and tests: district and commune names are
real (as of 2018), areas and populations are close to the published figures, but commune
figures, staff numbers, people and the function catalog are made up to be plausible. The
files are written by ``scripts/make_sample.py`` (seeded, byte-identical on every run);
edit the generator, never the files.

What it contains: the province ``QNG``, its 14 districts (ids such as ``BS`` for Bình
Sơn, ``TT`` for Tây Trà, ``LS`` for Lý Sơn) and 184 communes (``BS01``...), about 1,000
units of the four blocs at three levels, an 87-code function catalog, one head post per
unit, and the regulations of the 2017-2023 reforms. In every district the bodies named
by the pilot models -- ``{D}-BTC``/``{D}-PNV``, ``{D}-UBKT``/``{D}-TTR``,
``{D}-VPHU``/``{D}-VP``, ``{D}-BTG``/``{D}-TTCT``, ``{D}-BDV``/``{D}-MTTQ`` -- share tasks,
some with two leads, and are the district's top merger candidates.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from .loaders import load_org
from .model import Org

__all__ = ["sample_baseline", "sample_baseline_path", "sample_org", "sample_path"]

_PACKAGE = "mergepilot.orgchart.data"
_FILE = "quang_ngai.yaml"
_BASELINE_FILE = "quang_ngai_2015.yaml"


def _path(name: str) -> Path:
    # The package is installed as files (not zipped), so the resource is a real path.
    return Path(str(resources.files(_PACKAGE).joinpath(name)))


def sample_path() -> Path:
    """Path of the sample org file (YAML), as of 2018-01-01, before the pilots."""
    return _path(_FILE)


def sample_baseline_path() -> Path:
    """Path of the sample's 2015 baseline (YAML): same territories, more staff and units."""
    return _path(_BASELINE_FILE)


@cache
def _load(name: str) -> Org:
    # The same bundle as JSON, written beside the YAML by scripts/make_sample.py, reads
    # about 8x faster; the YAML stays the file sample_path() names.
    json_twin = _path(name.replace(".yaml", ".json"))
    return load_org(json_twin if json_twin.is_file() else _path(name))


def _fresh(org: Org) -> Org:
    """A copy with its own lists: callers may edit them; the records are immutable."""
    tables = ("territories", "regulations", "functions", "units", "assignments", "persons",
              "posts")
    return org.model_copy(update={t: list(getattr(org, t)) for t in tables})


def sample_org() -> Org:
    """The sample province as of 2018-01-01 (read once, then a fresh copy per call)."""
    return _fresh(_load(_FILE))


def sample_baseline() -> Org:
    """The sample province as of 2015-01-01, the baseline for staff-reduction targets."""
    return _fresh(_load(_BASELINE_FILE))
