#!/usr/bin/env bash
# Installs the Debian packages Fazt needs, skipping those already present (idempotent).
# Usage: scripts/install-deps.sh [build|test|bench]   (build is the default, with ca-certificates, the
# trust roots of outgoing HTTPS; test adds the openssl and curl commands, Chromium and
# chromedriver for the assistant's browser test, git, the oracle of the diff and commit tests, and
# prometheus, whose promtool lints the /metrics output, pebble, the ACME test CA, and systemd, whose systemd-analyze checks the
# service unit)
set -euo pipefail

packages=(pkg-config libsqlite3-dev libarchive-dev libssl-dev zlib1g-dev libcurl4-openssl-dev libjavascriptcoregtk-4.1-dev
          libjs-lodash node-cheerio libjs-marked esbuild node-typescript python3-venv ca-certificates)
if [[ "${1:-build}" == "test" ]]; then
    packages+=(chromium chromium-driver git prometheus systemd pebble openssl curl) # openssl and curl make and check test certificates (HTTPSTests, LoopHTTPClientTests); pebble is the ACME test CA (HTTPSTests); the assistant's browser test; git checks diffs and commits; prometheus has promtool (MetricsTests); systemd has systemd-analyze (ServiceTests)
fi
if [[ "${1:-build}" == "bench" ]]; then
    packages+=(nginx-light wrk gcc node-ws git) # gcc builds scripts/wsload.c; node-ws is the realtime peer's ws; git (daemon, http-backend) is the git peer
fi

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

echo "installing: ${missing[*]}" >&2
sudo=""
if [[ $(id -u) -ne 0 ]]; then
    sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
