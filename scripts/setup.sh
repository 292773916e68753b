#!/usr/bin/env bash
# One set-up for `make run` and `make test`: installs what is missing, finds Odoo 18.0,
# starts PostgreSQL. Idempotent: a second run only checks.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ODOO_SRC=${ODOO_SRC:-${XDG_CACHE_HOME:-$HOME/.cache}/groupbuy/odoo-18.0}
VENV=${VENV:-$ROOT/.venv}
PYTHON=${PYTHON:-python3}

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# 1. Debian packages -------------------------------------------------------------------
DEBS="postgresql postgresql-client libpq-dev libldap2-dev libsasl2-dev libxml2-dev
      libxslt1-dev libjpeg-dev zlib1g-dev libffi-dev libssl-dev build-essential
      python3-dev python3-venv git chromium fonts-noto-cjk wkhtmltopdf"
missing=""
for p in $DEBS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  say "installing Debian packages:$missing"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# 2. Odoo 18.0 source ------------------------------------------------------------------
if [ ! -f "$ODOO_SRC/odoo-bin" ]; then
  say "Odoo 18.0 not found in $ODOO_SRC; cloning it"
  mkdir -p "$(dirname "$ODOO_SRC")"
  if ! git clone -q --depth 1 --branch 18.0 https://github.com/odoo/odoo "$ODOO_SRC"; then
    rm -rf "$ODOO_SRC"
    echo "Odoo 18.0's source is missing: put it in $ODOO_SRC or set ODOO_SRC=/path/to/odoo-18.0 (the directory holding odoo-bin)." >&2
    exit 1
  fi
fi

# 3. Python virtualenv -----------------------------------------------------------------
stamp="$VENV/.groupbuy-requirements"
want=$(cat "$ODOO_SRC/requirements.txt" "$ROOT/requirements.txt" | sha1sum | cut -c1-40)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "preparing $VENV (Odoo's requirements and the project's)"
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  export PIP_CONSTRAINT="$ROOT/scripts/constraints.txt" PIP_DISABLE_PIP_VERSION_CHECK=1
  # (this machine's pip configuration may name local index folders that do not exist:
  #  pip warns about each; those lines are dropped)
  quiet_pip() { "$VENV/bin/pip" "$@" 2> >(grep -v "^WARNING: Location '" >&2); }
  quiet_pip install -q "setuptools<81" wheel
  # psycopg2 and the project's own pins win over Odoo's list where they overlap.
  grep -viE '^(psycopg2)' "$ODOO_SRC/requirements.txt" > "$VENV/odoo-requirements.txt"
  quiet_pip install -q -r "$VENV/odoo-requirements.txt" -r "$ROOT/requirements.txt"
  echo "$want" > "$stamp"
fi

# 4. PostgreSQL ------------------------------------------------------------------------
if ! pg_isready -q 2>/dev/null; then
  say "starting PostgreSQL"
  if command -v pg_ctlcluster >/dev/null; then
    ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
    pg_lsclusters -h | grep -q "^$ver main" || as_root pg_createcluster "$ver" main >/dev/null
    as_root pg_ctlcluster "$ver" main start
  else
    as_root service postgresql start
  fi
  for _ in $(seq 30); do pg_isready -q && break; sleep 1; done
fi
me=$(id -un)
if ! (cd / && as_root su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname='$me'\"" | grep -q 1); then
  say "creating PostgreSQL role $me"
  (cd / && as_root su postgres -c "createuser --createdb $me")
fi
