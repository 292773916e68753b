#!/usr/bin/env bash
# `make test`: a fresh test database like the demo one, then every test with pytest-odoo
# (HttpCase and Chromium tours included). Fails on a failed or skipped test and on any
# WARNING or ERROR in Odoo's log (see conftest.py), install log included.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ODOO_SRC=${ODOO_SRC:-${XDG_CACHE_HOME:-$HOME/.cache}/groupbuy/odoo-18.0}
VENV=${VENV:-$ROOT/.venv}
DB=${1:-groupbuy_test}
LOG="$ROOT/var/test_install.log"
mkdir -p "$ROOT/var"
cd "$ROOT"

start=$(date +%s)
# GROUPBUY_REUSE_DB=1 (for development): update the addons in an existing test database
# instead of building it again; ODOO_HTTP_PORT: the port of the test HTTP server (lets
# several test runs share one machine).
CONF="$ROOT/odoo.conf"
if [ -n "${ODOO_HTTP_PORT:-}" ]; then
  CONF="$ROOT/var/odoo-$DB.conf"
  sed "s/^http_port = .*/http_port = $ODOO_HTTP_PORT/" "$ROOT/odoo.conf" > "$CONF"
fi
export ODOO_CONF="$CONF"
if [ "${GROUPBUY_REUSE_DB:-}" = 1 ] && psql -d "$DB" -tAc "SELECT 1" >/dev/null 2>&1; then
  addons=${GROUPBUY_ADDONS:-$(scripts/create_db.sh --addons)}
  # -i only for the addons not installed yet: "-i" on an installed addon reloads its
  # data in init mode, noupdate records and the demo story's joins included
  installed=$(psql -d "$DB" -tAc "SELECT string_agg(name, ',') FROM ir_module_module WHERE state = 'installed'")
  to_install=$(tr ',' '\n' <<<"$addons" | grep -vxF -f <(tr ',' '\n' <<<"$installed") | paste -sd, -)
  echo "[test] updating $addons in $DB${to_install:+ (installing $to_install)}" >&2
  scripts/odoo.sh -d "$DB" ${to_install:+-i "$to_install"} -u "$addons" --stop-after-init --log-level=warn >"$LOG" 2>&1 \
    || { tail -30 "$LOG" >&2; echo "0 passed, 1 failed"; exit 1; }
elif ! scripts/create_db.sh "$DB" "$LOG"; then
  echo "[test] installing the addons in $DB failed:" >&2
  tail -30 "$LOG" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
if grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (WARNING|ERROR|CRITICAL) ' "$LOG" >&2; then
  echo "[test] the install logged the warnings or errors above" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
echo "[test] database ready in $(( $(date +%s) - start ))s; running the tests" >&2

test_dirs=(tests)
for d in addons/*/tests; do test_dirs+=("$d"); done
# (addons/community_groupbuy/tests/test_odoo_portal.py runs a selection of Odoo's own
# sale and website_sale portal tests with our addons installed: docs/ARCHITECTURE.md, "Tests")
# TEST_PATHS (for development): only these test files or folders; Odoo's own test files
# too, by their path under $ODOO_SRC/odoo/addons (where Odoo's modules are imported from)
if [ -n "${TEST_PATHS:-}" ]; then read -r -a test_dirs <<<"$TEST_PATHS"; fi
PYTHONPATH="$ODOO_SRC${PYTHONPATH:+:$PYTHONPATH}" "$VENV/bin/pytest" \
  --odoo-database="$DB" \
  --odoo-config="$CONF" \
  --odoo-addons-path="$ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$ROOT/addons" \
  --odoo-log-level=warn \
  --odoo-http \
  --rootdir "$ROOT" -c "$ROOT/pytest.ini" \
  "${test_dirs[@]}" ${PYTEST_ARGS:-}
rc=$?
echo "[test] finished in $(( $(date +%s) - start ))s" >&2
exit $rc
