#!/usr/bin/env bash
# Rebuild plotly-scatter.min.js: plotly.js core with the scatter trace only, the one trace type
# our charts draw (dashboard/charts.py). ~12 KB gzipped smaller than the prebuilt basic bundle,
# which keeps the JS of a chart page under the 420 KB gzipped budget (issue #15).
# Needs node and npm; node_modules stay in a temporary directory, nothing else is installed.
set -euo pipefail
PLOTLY_VERSION=4.1.1
ESBUILD_VERSION=0.28.2
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
echo '{"private": true}' > package.json
npm install --no-audit --no-fund --ignore-scripts --silent \
  "plotly.js@$PLOTLY_VERSION" "esbuild@$ESBUILD_VERSION"
cat > entry.js <<'JS'
var Plotly = require("plotly.js/lib/core");
Plotly.register([require("plotly.js/lib/scatter")]);
module.exports = Plotly;
JS
# plotly's own build settings (its esbuild-config.js): `global` is the window, no AMD.
node_modules/.bin/esbuild entry.js --bundle --minify --format=iife --global-name=Plotly \
  --define:global=window --define:define.amd=false --legal-comments=none \
  --log-level=warning --outfile=plotly-scatter.min.js
{ echo "/* plotly.js v$PLOTLY_VERSION (core + scatter), MIT licence: see LICENSE */"
  cat plotly-scatter.min.js; } > "$here/plotly-scatter.min.js"
cp node_modules/plotly.js/LICENSE "$here/LICENSE"
gzip -9c "$here/plotly-scatter.min.js" | wc -c | xargs printf 'plotly-scatter.min.js: %s bytes gzipped\n'
