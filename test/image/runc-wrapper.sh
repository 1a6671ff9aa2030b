#!/usr/bin/env bash
# A container runtime for podman in a sandbox that may not change resource limits (no
# CAP_SYS_RESOURCE: runc fails on setrlimit RLIMIT_NPROC/NOFILE). Deletes process.rlimits from the
# OCI bundle's config.json and from `runc exec --process` files, then runs the real runc.
set -euo pipefail
strip() { [ -f "$1" ] && node -e '
  const fs = require("fs"); const f = process.argv[1]; const c = JSON.parse(fs.readFileSync(f, "utf8"));
  const p = c.process ?? c; delete p.rlimits; fs.writeFileSync(f, JSON.stringify(c));' "$1"; return 0; }
bundle=""; prev=""
for arg in "$@"; do
  case "$prev" in --bundle|-b) bundle=$arg ;; --process|-p) strip "$arg" ;; esac
  case "$arg" in --bundle=*) bundle=${arg#--bundle=} ;; --process=*) strip "${arg#--process=}" ;; esac
  prev=$arg
done
[ -n "$bundle" ] && strip "$bundle/config.json"
exec /usr/sbin/runc "$@"
