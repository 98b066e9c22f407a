#!/usr/bin/env bash
# Turns a fresh debootstrap --variant=minbase tree into the shared base layer: apt pointed at
# the mirror build.sh was given, docs/man pages/locales dropped now and excluded from every
# later install, no services started by package scripts, no leftovers of debootstrap.
#   configure-rootfs.sh ROOTFS SUITE MIRROR [SECURITY_MIRROR]
set -euo pipefail

root="$1" suite="$2" mirror="$3" security="${4:-}"
[ -x "$root/usr/bin/apt-get" ] || { echo "configure-rootfs: $root is not a Debian tree" >&2; exit 1; }

# apt: the main suite and its updates from the mirror, security updates where there are some.
rm -f "$root/etc/apt/sources.list"
{
  printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$mirror" "$suite" "$suite"
  if [ -n "$security" ]; then
    printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$security" "$suite"
  fi
} >"$root/etc/apt/sources.list.d/debian.sources"

# What Debian's own container images set: no recommends, no docs or man pages, no caches kept.
cat >"$root/etc/apt/apt.conf.d/90zixly-slim" <<'CONF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CONF
cat >"$root/etc/dpkg/dpkg.cfg.d/90zixly-slim" <<'CONF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
CONF

# Package scripts must not try to start services in a build container (invoke-rc.d asks this).
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"

# Drop what the exclusions above would have kept out, keeping the licences.
find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
rm -rf "$root/usr/share/man/"* "$root/usr/share/info/"* "$root/usr/share/locale/"* \
  "$root/usr/share/lintian" "$root/var/cache/apt/"*.bin "$root/var/cache/apt/archives/"*.deb \
  "$root/var/lib/apt/lists/"* "$root/var/log/"*.log "$root/var/log/apt/"* \
  "$root/var/cache/debconf/"*-old "$root/var/lib/dpkg/"*-old "$root/debootstrap"
# Docker supplies these per container.
: >"$root/etc/hostname"
: >"$root/etc/resolv.conf"
rm -f "$root/etc/machine-id" "$root/var/lib/dbus/machine-id"
