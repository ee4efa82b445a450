# Shared set-up for scripts/run, scripts/test and scripts/serve (sourced, not run): a .venv
# with the project installed (editable), a database with its tables, and the demo directory
# when the database is empty. EXTRAS may name pip extras to install too, e.g. EXTRAS=test.
# Each step says what it does first: a fresh machine spends about a minute installing.

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"
say() { echo "scripts/${0##*/}: $*"; }
if [ ! -x .venv/bin/python ]; then
  say "creating .venv with $("$PYTHON" --version)"
  "$PYTHON" -m venv .venv
fi
# Reinstall only when the project's metadata changed: a second run starts in seconds.
stamp=".venv/.finder-installed"
want="$(cat setup.cfg pyproject.toml setup.py MANIFEST.in | sha256sum | cut -c1-16)-${EXTRAS:-}"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "installing NET Finder${EXTRAS:+ [$EXTRAS]} and its packages into .venv" \
    "(this takes a minute the first time)"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".${EXTRAS:+[$EXTRAS]}"
  echo "$want" > "$stamp"
fi
say "migrating the database (finder init-db)"
.venv/bin/finder init-db
say "loading the demo directory if the database is empty (finder load-demo --if-empty)"
.venv/bin/finder load-demo --if-empty
say "run commands as .venv/bin/finder ... (e.g. .venv/bin/finder create-admin EMAIL)," \
  "or \`source .venv/bin/activate\` first and then finder ..."
