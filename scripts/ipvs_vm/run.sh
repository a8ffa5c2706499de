#!/usr/bin/env bash
# Run JOBDIR/job.sh as root inside a throw-away QEMU VM that boots Debian's stock kernel (which
# has IPVS), and exit with its exit code.  JOBDIR is shared read-write at /job (and at
# /host/tmp/job), the host's / read-only at /host (the VM's /host/tmp is its own tmpfs, but this
# checkout and the paths listed in JOBDIR/host_paths stay visible there, so the checkout may
# live under /tmp); the job's output lands in JOBDIR/job.log and the VM console in
# JOBDIR/console.log.
#
# TCG only: this machine's /dev/kvm cannot run a stock kernel.  The VM has no network device;
# the job can only talk to its own kernel.  Usage: scripts/ipvs_vm/run.sh JOBDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
job=$(cd "${1:?usage: run.sh JOBDIR}" && pwd)
[ -f "$job/job.sh" ] || { echo "run.sh: $job/job.sh is missing" >&2; exit 2; }
(cd "$here/../.." && pwd -P) >> "$job/host_paths"
vm=$("$here/build.sh")
rm -f "$job/rc" "$job/job.log"
timeout "${PIRANHA_VM_TIMEOUT:-240}" qemu-system-x86_64 -accel tcg -cpu max -m 1024 -smp 1 \
  -nodefaults -nographic -no-reboot -serial stdio \
  -kernel "$vm/vmlinuz" -initrd "$vm/initramfs.cpio.gz" \
  -append "console=ttyS0 panic=-1 quiet no_timer_check" \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
  -virtfs "local,path=$job,mount_tag=job,security_model=none,multidevs=remap" \
  > "$job/console.log" 2>&1 </dev/null || true
if [ ! -f "$job/rc" ]; then
  echo "run.sh: the VM did not finish the job; console:" >&2
  tail -n 30 "$job/console.log" >&2
  exit 3
fi
exit "$(cat "$job/rc")"
