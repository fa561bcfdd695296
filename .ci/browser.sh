#!/usr/bin/env bash
# Browser and link checks of the built book: every lesson page in both languages in
# headless Chromium (diagrams drawn, figures visible, no console errors or failed
# requests, language switch, Pagefind search in Korean and English, light and dark
# theme, a phone's width), every internal link and #anchor of the site, and the relative
# links of the notebooks. Screenshots and report.json go to target/browser/.
#
#   bash .ci/browser.sh [--lesson NN]... [--no-browser] [--require-lessons] [--root DIR] ...
#   (arguments go to tests/browser/check.mjs; `--help` lists them)
#
# It checks the book as it is in book/: build it first (`cargo run -- build`).
# On a fresh Debian machine (root, package registries only) it installs what is
# missing: Debian's chromium, Korean and emoji fonts (apt-get), Node.js if there is none, and
# playwright-core at the version in tests/browser/package-lock.json (`npm ci`). Playwright
# never downloads a browser here: it drives /usr/bin/chromium (CHROMIUM=... for another).
# Exit code: 0 all passed, 1 a check failed, 2 the checks could not run.
set -euo pipefail
cd "$(dirname "$0")/.."

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
export CHROMIUM

custom_book=no
for arg in "$@"; do
    case "$arg" in --root|--book|--root=*|--book=*) custom_book=yes ;; esac
done
if [ "$custom_book" = no ] && [ ! -f book/index.html ]; then
    echo "browser checks: the book is not built (there is no book/index.html)." >&2
    echo "Build it first with \`cargo run -- build\`, then run .ci/browser.sh again." >&2
    exit 2
fi

echo "== system packages"
packages=()
[ -x "$CHROMIUM" ] || packages+=(chromium)
if ! command -v fc-list >/dev/null || [ -z "$(fc-list :lang=ko 2>/dev/null | head -n 1)" ]; then
    packages+=(fonts-noto-cjk)
fi
if ! command -v fc-list >/dev/null || [ -z "$(fc-list :lang=en 2>/dev/null | head -n 1)" ]; then
    packages+=(fonts-liberation)
fi
# Emoji in diagrams and prose (📱, 🧠) would be boxes in the screenshots without it.
if ! command -v fc-list >/dev/null || [ -z "$(fc-list 2>/dev/null | grep -i 'emoji' | head -n 1)" ]; then
    packages+=(fonts-noto-color-emoji)
fi
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
if [ "${#packages[@]}" -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "browser checks: missing ${packages[*]}: install them (apt-get install ${packages[*]}) or run as root" >&2
        exit 2
    fi
    echo "installing ${packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
else
    echo "chromium, fonts, node: present"
fi
"$CHROMIUM" --version 2>/dev/null | head -n 1 || true
node_major=$(node -p 'process.versions.node.split(".")[0]')
echo "node $(node --version), npm $(npm --version 2>/dev/null)"
if [ "$node_major" -lt 20 ]; then
    echo "warning: playwright-core asks for Node.js 20 or later; this is $(node --version)" >&2
fi

echo "== playwright-core (npm ci in tests/browser)"
want=$(node -p 'require("./tests/browser/package-lock.json").packages["node_modules/playwright-core"].version')
have=$(node -p 'try { require("./tests/browser/node_modules/playwright-core/package.json").version } catch { "" }')
if [ "$have" != "$want" ]; then
    (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "playwright-core $want"

echo "== checks"
exec node tests/browser/check.mjs "$@"
