# Shared set-up for scripts/run and scripts/test (sourced, not run): a .venv with the project
# installed, a database with its tables, and the demo directory when the database is empty.
# EXTRAS may name pip extras to install too, e.g. EXTRAS=test.

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# Reinstall only when the project's metadata changed: a second run starts in seconds.
stamp=".venv/.finder-installed"
want="$(cat setup.cfg pyproject.toml | sha256sum | cut -c1-16)-${EXTRAS:-}"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".${EXTRAS:+[$EXTRAS]}"
  echo "$want" > "$stamp"
fi
.venv/bin/finder init-db
.venv/bin/finder load-demo --if-empty
