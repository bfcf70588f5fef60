#!/bin/sh
# npm start's first step: compile src/ to dist/ (npm run build) unless dist/ is newer than every file that
# goes into it. A fresh clone has no dist/ and builds; an unchanged tree starts at once.
set -eu
stamp=dist/.tsbuildinfo
if [ -f "$stamp" ] && [ -z "$(find src tsconfig.json tsconfig.build.json package-lock.json -newer "$stamp" -print -quit)" ]; then
  exit 0
fi
exec npm run build
