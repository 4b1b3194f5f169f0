#!/usr/bin/env bash
# Vendor the front-end assets listed in package.json into marketplace/static/vendor/,
# and axe-core (test-only: never served in pages) into tests/browser/vendor/.
#
# The files come from the npm registry only (no CDN). The install happens in a
# temporary directory, so no node_modules/ is ever left in the repository.
#
# Usage:
#   scripts/vendor_assets.sh            # npm ci from package-lock.json, then copy files
#   scripts/vendor_assets.sh --update   # npm install (re-resolves package.json and rewrites
#                                       # package-lock.json), then copy files. Use this after
#                                       # bumping a version in package.json.
#
# Requires node + npm. The old marketplace/static/vendor/ tree is removed and rebuilt.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/marketplace/static/vendor"
# Test-only assets: the browser tests inject them; nothing under marketplace/ refers to them.
TEST_DEST="$ROOT/tests/browser/vendor"

# The Thai-capable web font: an @fontsource package, the weights and the subsets to keep.
FONT_PKG="@fontsource/sarabun"
FONT_DIR="sarabun"
FONT_WEIGHTS="400 600"
FONT_SUBSETS="thai latin"

update=0
case "${1:-}" in
  "") ;;
  --update) update=1 ;;
  -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}"; exit 0 ;;
  *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
esac

command -v npm >/dev/null || { echo "npm is required" >&2; exit 1; }
command -v node >/dev/null || { echo "node is required" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cp "$ROOT/package.json" "$WORK/"
if [[ -f "$ROOT/package-lock.json" && $update -eq 0 ]]; then
  cp "$ROOT/package-lock.json" "$WORK/"
  (cd "$WORK" && npm ci --no-audit --no-fund --ignore-scripts)
else
  [[ -f "$ROOT/package-lock.json" ]] && cp "$ROOT/package-lock.json" "$WORK/"
  (cd "$WORK" && npm install --no-audit --no-fund --ignore-scripts)
  cp "$WORK/package-lock.json" "$ROOT/package-lock.json"
  echo "wrote $ROOT/package-lock.json"
fi

NM="$WORK/node_modules"
STAGE="$WORK/vendor"
mkdir -p "$STAGE"

# put <file under node_modules> <path under vendor/>  (fails if the source is missing)
put() {
  local src="$NM/$1" dst="$STAGE/$2"
  [[ -f "$src" ]] || { echo "missing in npm package: $1" >&2; exit 1; }
  mkdir -p "$(dirname "$dst")"
  cp "$src" "$dst"
}

# bootstrap: css + bundle js (the bundle includes Popper)
put bootstrap/dist/css/bootstrap.min.css          bootstrap/bootstrap.min.css
put bootstrap/dist/js/bootstrap.bundle.min.js     bootstrap/bootstrap.bundle.min.js
put bootstrap/LICENSE                             bootstrap/LICENSE

# bootstrap-icons: css + woff2/woff fonts (css refers to fonts/…)
put bootstrap-icons/font/bootstrap-icons.min.css   bootstrap-icons/bootstrap-icons.min.css
put bootstrap-icons/font/fonts/bootstrap-icons.woff2 bootstrap-icons/fonts/bootstrap-icons.woff2
put bootstrap-icons/font/fonts/bootstrap-icons.woff  bootstrap-icons/fonts/bootstrap-icons.woff
put bootstrap-icons/LICENSE                        bootstrap-icons/LICENSE

# leaflet: css, js, images (css refers to images/…, js finds the marker images from the css)
put leaflet/dist/leaflet.css                      leaflet/leaflet.css
put leaflet/dist/leaflet.js                       leaflet/leaflet.js
for img in layers.png layers-2x.png marker-icon.png marker-icon-2x.png marker-shadow.png; do
  put "leaflet/dist/images/$img"                  "leaflet/images/$img"
done
put leaflet/LICENSE                               leaflet/LICENSE

# leaflet.markercluster: both css files + js
put leaflet.markercluster/dist/MarkerCluster.css         leaflet.markercluster/MarkerCluster.css
put leaflet.markercluster/dist/MarkerCluster.Default.css leaflet.markercluster/MarkerCluster.Default.css
put leaflet.markercluster/dist/leaflet.markercluster.js  leaflet.markercluster/leaflet.markercluster.js
put leaflet.markercluster/MIT-LICENCE.txt                leaflet.markercluster/MIT-LICENCE.txt

# chart.js: the single-file UMD browser build (sets window.Chart)
if [[ -f "$NM/chart.js/dist/chart.umd.js" ]]; then
  put chart.js/dist/chart.umd.js                  chart.js/chart.umd.js
elif [[ -f "$NM/chart.js/dist/chart.umd.min.js" ]]; then
  put chart.js/dist/chart.umd.min.js              chart.js/chart.umd.js
else
  echo "chart.js: no UMD build found in dist/" >&2; exit 1
fi
put chart.js/LICENSE.md                           chart.js/LICENSE.md

# Thai font: keep only the wanted subsets/weights (woff2), with one css of @font-face rules.
put "$FONT_PKG/LICENSE"                           "$FONT_DIR/LICENSE"
FONT_SRC="$NM/$FONT_PKG" FONT_OUT="$STAGE/$FONT_DIR" FONT_PKG="$FONT_PKG" \
FONT_WEIGHTS="$FONT_WEIGHTS" FONT_SUBSETS="$FONT_SUBSETS" node - <<'NODE'
const fs = require("fs"), path = require("path");
const src = process.env.FONT_SRC, out = process.env.FONT_OUT;
const pkg = JSON.parse(fs.readFileSync(path.join(src, "package.json"), "utf8"));
const id = path.basename(process.env.FONT_PKG);
const weights = process.env.FONT_WEIGHTS.split(/\s+/).filter(Boolean);
const subsets = process.env.FONT_SUBSETS.split(/\s+/).filter(Boolean);
fs.mkdirSync(path.join(out, "files"), { recursive: true });
let css = `/* ${process.env.FONT_PKG} ${pkg.version} (${pkg.license}): subsets ${subsets.join(", ")}; ` +
          `weights ${weights.join(", ")}; woff2 only. Generated by scripts/vendor_assets.sh. */\n`;
for (const w of weights) {
  const text = fs.readFileSync(path.join(src, `${w}.css`), "utf8");
  for (const s of subsets) {
    const name = `${id}-${s}-${w}-normal`;
    const re = new RegExp(`/\\* ${name} \\*/\\s*(@font-face\\s*\\{[^}]*\\})`);
    const m = text.match(re);
    if (!m) { console.error(`font: no @font-face block for ${name} in ${w}.css`); process.exit(1); }
    const file = `${name}.woff2`;
    const from = path.join(src, "files", file);
    if (!fs.existsSync(from)) { console.error(`font: missing ${from}`); process.exit(1); }
    fs.copyFileSync(from, path.join(out, "files", file));
    const block = m[1].replace(/src:[^;]*;/, `src: url(./files/${file}) format('woff2');`);
    css += `\n/* ${name} */\n${block}\n`;
  }
}
fs.writeFileSync(path.join(out, `${id}.css`), css);
NODE

# README with the exact versions and licences.
STAGE="$STAGE" NM="$NM" FONT_PKG="$FONT_PKG" FONT_DIR="$FONT_DIR" node - <<'NODE'
const fs = require("fs"), path = require("path");
const nm = process.env.NM, stage = process.env.STAGE;
const rows = [
  ["bootstrap", "bootstrap"],
  ["bootstrap-icons", "bootstrap-icons"],
  ["leaflet", "leaflet"],
  ["leaflet.markercluster", "leaflet.markercluster"],
  ["chart.js", "chart.js"],
  [process.env.FONT_PKG, process.env.FONT_DIR],
];
const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) =>
  e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]);
let md = `# Vendored front-end assets

Generated by \`scripts/vendor_assets.sh\` — do not edit by hand. Every file here comes
from the npm registry (installed with \`npm ci\` from the repository's \`package.json\` /
\`package-lock.json\` in a temporary directory) and is copied unchanged, except
\`${process.env.FONT_DIR}/${path.basename(process.env.FONT_PKG)}.css\`, which the script builds from the package's own
@font-face rules (Thai + Latin subsets only, woff2 only). No CDN is used.

To update: bump the version in \`package.json\`, run \`scripts/vendor_assets.sh --update\`
(rewrites \`package-lock.json\`), and commit the lock file together with this directory.

| package (npm) | exact version | licence | directory | licence file |
| --- | --- | --- | --- | --- |
`;
for (const [name, dir] of rows) {
  const p = JSON.parse(fs.readFileSync(path.join(nm, name, "package.json"), "utf8"));
  const lic = fs.readdirSync(path.join(stage, dir)).find((f) => /^(MIT-)?LICEN[CS]E/i.test(f));
  md += `| ${name} | ${p.version} | ${p.license} | \`${dir}/\` | \`${dir}/${lic}\` |\n`;
}
const popper = JSON.parse(fs.readFileSync(path.join(nm, "@popperjs/core/package.json"), "utf8"));
const kurkle = JSON.parse(fs.readFileSync(path.join(nm, "@kurkle/color/package.json"), "utf8"));
md += `
Bundled inside those files (not vendored separately): \`bootstrap.bundle.min.js\` contains
@popperjs/core ${popper.version} (${popper.license}); \`chart.umd.js\` contains @kurkle/color ${kurkle.version} (${kurkle.license}).

The minified js/css keep their \`sourceMappingURL\` comments; the \`.map\` files are not
vendored (browsers only request them with developer tools open).

## Files

`;
for (const [, dir] of rows) {
  for (const f of walk(path.join(stage, dir)).sort()) {
    md += `- \`${path.relative(stage, f)}\` (${fs.statSync(f).size} bytes)\n`;
  }
}
fs.writeFileSync(path.join(stage, "README.md"), md);
NODE

# Check: every url() in the vendored css points to a vendored file (no remote urls).
STAGE="$STAGE" node - <<'NODE'
const fs = require("fs"), path = require("path");
const stage = process.env.STAGE;
const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) =>
  e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]);
let bad = 0, ok = 0;
for (const css of walk(stage).filter((f) => f.endsWith(".css"))) {
  const text = fs.readFileSync(css, "utf8");
  if (/@import/.test(text)) { console.error(`${css}: contains @import`); bad++; }
  for (const m of text.matchAll(/url\(\s*(['"]?)([^'")]+)\1\s*\)/g)) {
    const u = m[2];
    if (u.startsWith("data:") || u.startsWith("#")) continue;  // inline / VML behaviour
    if (/^([a-z]+:)?\/\//i.test(u)) { console.error(`${css}: remote url ${u}`); bad++; continue; }
    const target = path.resolve(path.dirname(css), u.split(/[?#]/)[0]);
    if (!target.startsWith(stage + path.sep) || !fs.existsSync(target)) {
      console.error(`${path.relative(stage, css)}: url(${u}) does not resolve to a vendored file`); bad++;
    } else ok++;
  }
}
if (bad) process.exit(1);
console.log(`css url() check: ${ok} local references resolve`);
NODE

# axe-core for the accessibility checks of the browser tests (kept out of the static tree).
TEST_STAGE="$WORK/test-vendor"
mkdir -p "$TEST_STAGE/axe-core"
for f in axe.min.js LICENSE; do
  [[ -f "$NM/axe-core/$f" ]] || { echo "missing in npm package: axe-core/$f" >&2; exit 1; }
  cp "$NM/axe-core/$f" "$TEST_STAGE/axe-core/$f"
done
AXE_VERSION="$(node -p "require('$NM/axe-core/package.json').version")"
AXE_LICENSE="$(node -p "require('$NM/axe-core/package.json').license")"
cat > "$TEST_STAGE/README.md" <<MD
# Test-only vendored assets

Generated by \`scripts/vendor_assets.sh\` — do not edit by hand. Copied unchanged from the
npm registry package; used only by the browser tests (tests/browser/test_every_page.py
injects axe-core into each page). Nothing here is served by the app.

| package (npm) | exact version | licence | file |
| --- | --- | --- | --- |
| axe-core | $AXE_VERSION | $AXE_LICENSE | \`axe-core/axe.min.js\` (licence: \`axe-core/LICENSE\`) |
MD

rm -rf "$DEST"
mkdir -p "$(dirname "$DEST")"
cp -R "$STAGE" "$DEST"
rm -rf "$TEST_DEST"
cp -R "$TEST_STAGE" "$TEST_DEST"
echo "vendored for tests into ${TEST_DEST#"$ROOT"/}:"
(cd "$TEST_DEST" && find . -type f | sort | sed 's|^\./|  |')

echo "vendored into ${DEST#"$ROOT"/}:"
(cd "$DEST" && find . -type f | sort | sed 's|^\./|  |')
du -sh "$DEST" | awk '{print "total: " $1}'
