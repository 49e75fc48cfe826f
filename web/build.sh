#!/usr/bin/env sh
# Rebuilds the page into tap_service/web/static from the locked packages (needs node and npm;
# the installed service does not). Commit the result with the sources.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
node build.mjs
