#!/usr/bin/env bash
# Reproduces graphiql/web/vendor from the npm registry: installs the exact
# versions pinned in package.json and package-lock.json (integrity hashes
# checked by npm ci) into a temporary directory, and copies their prebuilt,
# minified browser builds and licences. A developer runs this after changing
# a version; the build and CI only read the committed files.
#
#   ./vendor.sh            refresh web/vendor
#   ./vendor.sh --check    fail if web/vendor differs from what npm gives
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
vendor="$here/../web/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cp "$here/package.json" "$here/package-lock.json" "$work/"
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --omit=dev --loglevel=error >/dev/null)

out="$work/out"
mkdir -p "$out"
m="$work/node_modules"
cp "$m/react/umd/react.production.min.js" "$out/"
cp "$m/react-dom/umd/react-dom.production.min.js" "$out/"
cp "$m/graphiql/graphiql.min.js" "$out/"
cp "$m/graphiql/graphiql.min.css" "$out/"
cp "$m/react/LICENSE" "$out/LICENSE-react"
cp "$m/graphiql/LICENSE" "$out/LICENSE-graphiql"
# The UMD build refers to a source map that is not shipped.
sed -i '/^\/\/# sourceMappingURL=/d' "$out/graphiql.min.js"

if [ "${1:-}" = "--check" ]; then
  diff -r "$out" "$vendor"
  echo "web/vendor matches package-lock.json"
  exit 0
fi
rm -rf "$vendor"
mkdir -p "$vendor"
cp "$out"/* "$vendor/"
ls -l "$vendor"
