#!/usr/bin/env bash
# Capture /proc/net/ip_vs and `ipvsadm -Ln` from a real IPVS kernel (scripts/ipvs_vm/run.sh) into
# tests/data/ipvs/: once with IPVS loaded and no service (empty.*), once after scenario.sh
# (scenario.*).  The files are committed; re-run this only to refresh them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dest=$root/tests/data/ipvs
job=$(mktemp -d)
trap 'rm -rf "$job"' EXIT
cp "$here/scenario.sh" "$job/"
cat > "$job/job.sh" <<'JOB'
set -e
cat /proc/net/ip_vs > /job/empty.proc.txt
ipvsadm -Ln > /job/empty.ipvsadm-Ln.txt
sh /job/scenario.sh
cat /proc/net/ip_vs > /job/scenario.proc.txt
ipvsadm -Ln > /job/scenario.ipvsadm-Ln.txt
uname -r > /job/kernel.txt
JOB
"$here/run.sh" "$job" || { cat "$job/job.log" >&2; exit 1; }
mkdir -p "$dest"
for f in empty.proc.txt empty.ipvsadm-Ln.txt scenario.proc.txt scenario.ipvsadm-Ln.txt; do
  cp "$job/$f" "$dest/$f"
done
echo "captured from kernel $(cat "$job/kernel.txt") into $dest"
