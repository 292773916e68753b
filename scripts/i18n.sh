#!/usr/bin/env bash
# Regenerates each addon's .pot from a database where it is installed, merges it into
# its zh_CN.po and lists the terms still untranslated.  Usage: scripts/i18n.sh DB [ADDON...]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DB=$1; shift
addons=("$@")
[ ${#addons[@]} -gt 0 ] || addons=($(cd "$ROOT/addons" && ls -d */ | tr -d /))
for addon in "${addons[@]}"; do
  dir="$ROOT/addons/$addon/i18n"
  mkdir -p "$dir"
  "$ROOT/scripts/odoo.sh" -d "$DB" --i18n-export="$dir/$addon.pot" --modules="$addon" --stop-after-init --log-level=warn
  if [ -f "$dir/zh_CN.po" ]; then
    msgmerge --quiet --no-fuzzy-matching --no-wrap --update --backup=none "$dir/zh_CN.po" "$dir/$addon.pot"
  else
    msginit --no-translator --no-wrap --locale=zh_CN --input="$dir/$addon.pot" --output-file="$dir/zh_CN.po"
  fi
  msgattrib --no-obsolete --no-wrap -o "$dir/zh_CN.po" "$dir/zh_CN.po"
  left=$(msgattrib --untranslated --no-wrap "$dir/zh_CN.po" | grep -c '^msgid ' || true)
  echo "[i18n] $addon: $(( left > 0 ? left - 1 : 0 )) term(s) untranslated" >&2
done
