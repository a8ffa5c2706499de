#!/usr/bin/env bash
# Fetch Debian's stock kernel and build a tiny initramfs that can run IPVS, once; print the
# directory that holds them (vmlinuz, initramfs.cpio.gz).
#
# Nothing is installed on the host: the kernel, busybox-static, ipvsadm and its libraries are
# fetched with `apt-get download` and unpacked into the cache (default .cache/ipvs_vm/<kernel>,
# override with PIRANHA_VM_CACHE).  Only the modules IPVS, its schedulers and the 9p host shares
# need (with their dependencies, resolved by modprobe) go into the initramfs.  A finished build is
# reused; a new Debian kernel version, or a changed init or build script, gets its own directory.
# Needs: apt-get, dpkg-deb, cpio, gzip, depmod/modprobe (kmod).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${PIRANHA_VM_CACHE:-$root/.cache/ipvs_vm}
apt_opts=(-q -o APT::Sandbox::User=root)

kernel_package() {
  apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'
}
pkg=$(kernel_package)
if [ -z "$pkg" ]; then
  apt-get update -qq >&2
  pkg=$(kernel_package)
fi
[ -n "$pkg" ] || { echo "build.sh: no Debian kernel package (linux-image-amd64) found" >&2; exit 1; }
kver=${pkg#linux-image-}
out=$cache/$kver-$(cat "$here/init" "$here/build.sh" | sha256sum | cut -c1-12)
if [ -s "$out/initramfs.cpio.gz" ] && [ -s "$out/vmlinuz" ]; then
  echo "$out"
  exit 0
fi

mkdir -p "$cache"
# one build at a time (parallel test workers): wait, then reuse what the other one built
exec 9>"$cache/.lock"
flock 9
if [ -s "$out/initramfs.cpio.gz" ] && [ -s "$out/vmlinuz" ]; then
  echo "$out"
  exit 0
fi
work=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get download "${apt_opts[@]}" "$pkg" busybox-static ipvsadm libnl-3-200 libnl-genl-3-200 \
  libpopt0 >&2

# The kernel and the module subtrees we need (the full package unpacks to about 400 MB).
mkdir kpkg
dpkg-deb --fsys-tarfile "$pkg"_*.deb | tar -x -C kpkg --wildcards \
  "./boot/vmlinuz-$kver" "./lib/modules/$kver/modules.*" \
  "./lib/modules/$kver/kernel/net/*" "./lib/modules/$kver/kernel/lib/*" \
  "./lib/modules/$kver/kernel/crypto/*" "./lib/modules/$kver/kernel/fs/9p/*" \
  "./lib/modules/$kver/kernel/drivers/virtio/*" "./lib/modules/$kver/kernel/fs/netfs/*" \
  "./lib/modules/$kver/kernel/fs/fscache/*" "./lib/modules/$kver/kernel/drivers/net/dummy.ko"
depmod -b kpkg "$kver"

rootfs=$work/rootfs
mkdir -p "$rootfs"/{bin,sbin,proc,sys,dev,tmp,host,job,lib64,"lib/modules/$kver"}
for deb in busybox-static_*.deb ipvsadm_*.deb libnl-3-200_*.deb libnl-genl-3-200_*.deb \
    libpopt0_*.deb; do
  dpkg-deb -x "$deb" "$rootfs"
done
for applet in sh mount umount modprobe ip cat echo mkdir poweroff sleep chroot ls; do
  ln -sf busybox "$rootfs/bin/$applet"
done
# The C library ipvsadm links against, from the host (same Debian release).
multiarch=lib/x86_64-linux-gnu
mkdir -p "$rootfs/$multiarch"
cp -L "/$multiarch/libc.so.6" "$rootfs/$multiarch/"
cp -L /lib64/ld-linux-x86-64.so.2 "$rootfs/lib64/"

modules=(crc32c_generic ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_lblc ip_vs_lblcr
  ip_vs_dh ip_vs_sh ip_vs_sed ip_vs_nq dummy virtio_pci 9pnet_virtio 9p)
for mod in "${modules[@]}"; do
  modprobe -d kpkg -S "$kver" --show-depends "$mod" | awk '$1 == "insmod" {print $2}'
done | sort -u | while read -r ko; do
  rel=${ko#"$work/kpkg/"}
  mkdir -p "$rootfs/$(dirname "$rel")"
  cp "$ko" "$rootfs/$rel"
done
cp kpkg/lib/modules/"$kver"/modules.{order,builtin,builtin.modinfo} "$rootfs/lib/modules/$kver/"
depmod -b "$rootfs" "$kver"
printf '%s\n' "${modules[@]}" > "$rootfs/modules.list"
install -m 755 "$here/init" "$rootfs/init"

mkdir -p "$out.tmp"
(cd "$rootfs" && find . | cpio -o -H newc --quiet) | gzip -1 > "$out.tmp/initramfs.cpio.gz"
cp "kpkg/boot/vmlinuz-$kver" "$out.tmp/vmlinuz"
rm -rf "$out"
mv "$out.tmp" "$out"
echo "$out"
