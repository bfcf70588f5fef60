#!/bin/sh
# npm start's first step: compile src/ to dist/ and marketplace/ to dist/marketplace/, and build the front ends
# (web/ → dist/web/) with `npm run build`, unless dist/ is newer than every file that goes into it. A fresh
# clone has no dist/ and builds; an unchanged tree starts at once.
set -eu
stamp=dist/.tsbuildinfo
if [ -f "$stamp" ] && [ -f dist/web/console/index.html ] && [ -f dist/web/app/index.html ] && [ -f dist/web/owner/index.html ] && [ -f dist/marketplace/marketplace/src/main.js ] &&
  [ -z "$(find src web marketplace tsconfig.json tsconfig.build.json tsconfig.marketplace.json vite.config.ts package-lock.json -newer "$stamp" -print -quit)" ]; then
  exit 0
fi
exec npm run build
