#!/usr/bin/env bash
# Measures an earlier commit's connector with today's benchmark and fake:
#   benchmarks/at_commit.sh 874d530 --workloads all4,50k --connectors ours --repeat 3
# makes /tmp/source-twilio-at-COMMIT/{tree,venv}: a worktree of COMMIT, and a venv whose source_twilio is that tree's
# and whose other packages are .venv's, with its own source-twilio command; then runs benchmarks.run from this
# checkout with that venv's python, so that `ours` is COMMIT's connector.
set -euo pipefail
cd "$(dirname "$0")/.."
commit=$1; shift
at=/tmp/source-twilio-at-$commit
[ -d "$at/tree" ] || git worktree add -q --detach "$at/tree" "$commit"
if [ ! -x "$at/venv/bin/source-twilio" ]; then
  python3 -m venv --without-pip "$at/venv"
  site=$("$at/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  echo "$at/tree" > "$site/00-commit.pth"
  .venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' > "$site/01-dev-venv.pth"
  printf '#!%s\nfrom source_twilio.source import run\nrun()\n' "$at/venv/bin/python" > "$at/venv/bin/source-twilio"
  chmod +x "$at/venv/bin/source-twilio"
fi
exec "$at/venv/bin/python" -m benchmarks.run "$@"
