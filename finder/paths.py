"""Where the app's shipped files are: the templates and the data, in a checkout or a wheel."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent

# The folder holding templates/ and data/. An installed wheel carries them inside the package
# (setup.py puts them there); a source checkout, an editable install included, keeps them at
# the top of the repo, which scripts and tests reach through ROOT too. The package is looked
# at first, as a site-packages folder may hold some other project's "templates".
ROOT = PACKAGE if (PACKAGE / "templates").is_dir() else PACKAGE.parent
TEMPLATES = ROOT / "templates"
DATA = ROOT / "data"
