#!/usr/bin/env bash
# Build (or locate) the LAMMPS that the soapgap `pair_style soapgap` plugin compiles against.
#
#   lammps-plugin/build-lammps.sh                  # LAMMPS 20260704 (Debian sid source), no Kokkos
#   lammps-plugin/build-lammps.sh --lammps 2022    # LAMMPS 20220106 + Kokkos 3.4.01 (Serial+OpenMP):
#                                                  #   the build pair_style soapgap/kk is tested on
#   lammps-plugin/build-lammps.sh --lammps 2022 --cuda   # same with a CUDA Kokkos (sm_80)
#   lammps-plugin/build-lammps.sh --kokkos-only    # stop after Kokkos (2022 only)
#   LAMMPS_SOURCE_DIR=... LAMMPS_BUILD_DIR=... lammps-plugin/build-lammps.sh   # use your own LAMMPS
# SOAPGAP_LAMMPS_RELEASE=2022 does what --lammps 2022 does.
#
# Sources come only from Debian source packages:
#   2026  lammps 20260704+dfsg (sid): the orig tarball alone, fetched with apt's own downloader and
#         checked against the SHA-256 of the signed sid index (the archive mirror serves no
#         Debian packaging for it, and soapgap skips Debian's patches anyway). Debian sid's
#         kokkos 5.2.2 (which LAMMPS 2026's KOKKOS package needs, >= 5.1) is not downloadable
#         from the mirror (HTTP 404), so this LAMMPS has no KOKKOS package.
#   2022  lammps 20220106 (bookworm) and trilinos 13.2.0 for Kokkos 3.4.01.
# They are cached in ${SOAPGAP_CACHE:-$HOME/.cache/soapgap}/lammps-<version>[-kokkos-...]/.
# Every stage writes a stamp and is skipped when its stamp matches, so a re-run is instant.
# stdout carries only KEY=value lines (also written to <prefix>/lammps-paths.env);
# progress goes to stderr, build logs to <prefix>/logs/. See lammps-plugin/BUILDING.md.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PATCH_DIR="$SCRIPT_DIR/patches"

TRILINOS_UPSTREAM=13.2.0          # Debian: trilinos 13.2.0-* ships Kokkos 3.4.01
KOKKOS_VERSION=3.4.01
CUDA_ARCH=sm_80                   # Kokkos 3.4 knows no Hopper; sm_80 PTX JITs on H100/H200
NVCC=${NVCC:-/usr/local/cuda/bin/nvcc}
JOBS=${JOBS:-2}
NICE=(nice -n 10)

usage() {
    sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
}

CUDA=0
KOKKOS_ONLY=0
RELEASE=${SOAPGAP_LAMMPS_RELEASE:-2026}
while [ $# -gt 0 ]; do
    case "$1" in
        --cuda) CUDA=1 ;;
        --kokkos-only) KOKKOS_ONLY=1 ;;
        --lammps) RELEASE=${2:-}; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "build-lammps.sh: unknown option '$1'" >&2; usage; exit 2 ;;
    esac
    shift
done

case "$RELEASE" in
    2026) LAMMPS_UPSTREAM=20260704; LAMMPS_SUITE=sid; LAMMPS_VERSION_H="4 Jul 2026"; WITH_KOKKOS=0 ;;
    2022) LAMMPS_UPSTREAM=20220106; LAMMPS_SUITE=bookworm; LAMMPS_VERSION_H="29 Sep 2021"; WITH_KOKKOS=1 ;;
    *) echo "build-lammps.sh: --lammps $RELEASE: expected 2026 or 2022" >&2; exit 2 ;;
esac
if [ "$WITH_KOKKOS" = 0 ] && { [ "$CUDA" = 1 ] || [ "$KOKKOS_ONLY" = 1 ]; }; then
    echo "build-lammps.sh: --cuda and --kokkos-only need --lammps 2022 (LAMMPS 2026 is built without Kokkos here)" >&2
    exit 2
fi

T0=$(date +%s)
log() { printf '[build-lammps %4ss] %s\n' "$(( $(date +%s) - T0 ))" "$*" >&2; }
die() { printf '[build-lammps] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# 5. A user's own LAMMPS: check it, print it, build nothing.
# ---------------------------------------------------------------------------------------------
if [ -n "${LAMMPS_SOURCE_DIR:-}" ] || [ -n "${LAMMPS_BUILD_DIR:-}" ]; then
    [ -n "${LAMMPS_SOURCE_DIR:-}" ] && [ -n "${LAMMPS_BUILD_DIR:-}" ] ||
        die "set both LAMMPS_SOURCE_DIR (the LAMMPS source tree) and LAMMPS_BUILD_DIR (its CMake build dir), or neither"
    src=$(cd "$LAMMPS_SOURCE_DIR" 2>/dev/null && pwd) || die "LAMMPS_SOURCE_DIR=$LAMMPS_SOURCE_DIR is not a directory"
    bld=$(cd "$LAMMPS_BUILD_DIR" 2>/dev/null && pwd) || die "LAMMPS_BUILD_DIR=$LAMMPS_BUILD_DIR is not a directory"
    [ -f "$src/src/pair.h" ] || die "$src/src/pair.h not found: LAMMPS_SOURCE_DIR must be the top of a LAMMPS source tree"
    [ -f "$src/src/PLUGIN/plugin.h" ] || [ -f "$src/src/plugin.h" ] ||
        log "warning: no src/PLUGIN/plugin.h in $src (LAMMPS older than 2021?)"
    lib=$(ls -1 "$bld"/liblammps*.so "$bld"/liblammps*.a 2>/dev/null | head -n1 || true)
    [ -n "$lib" ] || die "no liblammps*.so / liblammps*.a in $bld: LAMMPS_BUILD_DIR must be a built CMake build dir"
    [ -f "$bld/styles/style_pair.h" ] || die "$bld/styles/style_pair.h not found: need a CMake build dir with generated style headers"
    case "$lib" in *.a) log "warning: $lib is static; plugins need LAMMPS built with -DBUILD_SHARED_LIBS=on" ;; esac
    cache_get() { sed -n "s/^$1:[A-Z]*=//p" "$bld/CMakeCache.txt" 2>/dev/null | head -n1; }
    grep -q '^PKG_PLUGIN:BOOL=on' "$bld/CMakeCache.txt" 2>/dev/null || grep -qi '^PKG_PLUGIN:BOOL=\(on\|yes\|true\|1\)' "$bld/CMakeCache.txt" 2>/dev/null ||
        log "warning: PKG_PLUGIN does not look enabled in $bld/CMakeCache.txt (the 'plugin load' command needs it)"
    binary=${LAMMPS_BINARY:-}
    [ -n "$binary" ] || { [ -x "$bld/lmp" ] && binary="$bld/lmp"; } || true
    kdir=${KOKKOS_DIR:-$(cache_get Kokkos_DIR)}
    log "using your LAMMPS: source $src, build $bld (nothing built)"
    [ -n "$kdir" ] || log "note: no Kokkos_DIR in $bld/CMakeCache.txt (LAMMPS without external Kokkos: only the non-Kokkos plugin can be built)"
    printf 'LAMMPS_SOURCE_DIR=%s\nLAMMPS_BUILD_DIR=%s\nLAMMPS_BINARY=%s\nLAMMPS_LIBRARY=%s\nKOKKOS_DIR=%s\n' \
        "$src" "$bld" "$binary" "$lib" "$kdir"
    exit 0
fi

CACHE=${SOAPGAP_CACHE:-$HOME/.cache/soapgap}
PREFIX_NAME="lammps-${LAMMPS_UPSTREAM}"
[ "$WITH_KOKKOS" = 1 ] && PREFIX_NAME="${PREFIX_NAME}-kokkos-${KOKKOS_VERSION}"
[ "$CUDA" = 1 ] && PREFIX_NAME="${PREFIX_NAME}-cuda-${CUDA_ARCH/_/}"
PREFIX="$CACHE/$PREFIX_NAME"
DL="$CACHE/debian-src"            # downloaded Debian source packages, shared by all prefixes
STAMPS="$PREFIX/stamps"
LOGS="$PREFIX/logs"
mkdir -p "$PREFIX" "$DL" "$STAMPS" "$LOGS"

# One build per prefix at a time.
exec 9>"$PREFIX/.lock"
flock -n 9 || { log "another build-lammps.sh holds $PREFIX/.lock; waiting"; flock 9; }

# Stamps: a stage is done when its stamp file holds exactly its key. Keys chain (each includes
# the key of the stage it depends on), so changing an early stage redoes the later ones.
stamp_ok() { [ -f "$STAMPS/$1" ] && [ "$(cat "$STAMPS/$1")" = "$2" ]; }
stamp_set() { printf '%s' "$2" > "$STAMPS/$1.tmp" && mv -f "$STAMPS/$1.tmp" "$STAMPS/$1"; }
keyhash() { printf '%s' "$*" | sha256sum | cut -c1-16; }

# prepare_build_dir KEY BUILD_DIR INSTALL_PREFIX: a build dir configured for another key starts
# clean (and its install prefix goes too); an interrupted one with the same key just continues.
prepare_build_dir() {
    if [ -f "$2/.soapgap-key" ] && [ "$(cat "$2/.soapgap-key")" != "$1" ]; then
        rm -rf "$2" "$3"
    fi
    mkdir -p "$2"
    printf '%s' "$1" > "$2/.soapgap-key"
}

# Run a long command with its output in a log; on failure show the log's tail.
run_logged() {
    local name=$1; shift
    local logf="$LOGS/$name.log"
    if ! "$@" > "$logf" 2>&1; then
        echo "----- last 40 lines of $logf -----" >&2
        tail -n 40 "$logf" >&2
        die "$name failed (full log: $logf)"
    fi
}

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else die "need root for: $* (run as root or install sudo)"; fi
}

# ---------------------------------------------------------------------------------------------
# 1. Debian build dependencies (install only what is missing).
# ---------------------------------------------------------------------------------------------
DEPS=(cmake g++ make libopenmpi-dev openmpi-bin dpkg-dev xz-utils patch ca-certificates)
missing=()
for p in "${DEPS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    log "installing missing Debian packages: ${missing[*]}"
    run_logged apt-update as_root apt-get update
    run_logged apt-install as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
if [ "$CUDA" = 1 ]; then
    [ -x "$NVCC" ] || die "--cuda needs nvcc at $NVCC (set NVCC=/path/to/nvcc)"
fi

# ---------------------------------------------------------------------------------------------
# 2. A deb-src entry, derived from this machine's own apt configuration.
# ---------------------------------------------------------------------------------------------
# The wanted LAMMPS source version is known to apt (the sid stanza of LAMMPS 2026 does not count
# for the 2022 build: it lists another version).
have_src() { apt-cache showsrc lammps 2>/dev/null | grep "^Version: $LAMMPS_UPSTREAM" >/dev/null; }
# Called lazily, only when something has to be downloaded.
DEB_SRC_OK=0
ensure_deb_src() {
    [ "$DEB_SRC_OK" = 1 ] && return 0
    if have_src; then DEB_SRC_OK=1; return 0; fi
    srcs_d=/etc/apt/sources.list.d
    # deb-src entries other than soapgap's sid stanza: the machine's own, then nothing is added
    if ! grep -rlsE '^[[:space:]]*(deb-src|Types:.*deb-src)' /etc/apt/sources.list "$srcs_d" | grep -v 'soapgap-sid-src' >/dev/null; then
        if [ -f "$srcs_d/debian.sources" ]; then
            log "adding deb-src stanzas derived from $srcs_d/debian.sources -> $srcs_d/soapgap-deb-src.sources"
            # Copy each deb822 stanza whose Types include 'deb', with Types: deb-src.
            awk 'BEGIN { RS=""; ORS="\n\n" }
                 { n = split($0, L, "\n"); isdeb = 0; out = ""
                   for (i = 1; i <= n; i++) {
                       line = L[i]
                       if (line ~ /^Types:/) {
                           if (line ~ /(^Types:|[[:space:]])deb([[:space:]]|$)/) isdeb = 1
                           line = "Types: deb-src"
                       }
                       out = out line "\n"
                   }
                   if (isdeb) { sub(/\n$/, "", out); print out } }' "$srcs_d/debian.sources" > "/tmp/soapgap-deb-src.$$"
            [ -s "/tmp/soapgap-deb-src.$$" ] || die "no 'Types: deb' stanza in $srcs_d/debian.sources"
            as_root install -m 0644 "/tmp/soapgap-deb-src.$$" "$srcs_d/soapgap-deb-src.sources"
            rm -f "/tmp/soapgap-deb-src.$$"
        elif [ -f /etc/apt/sources.list ] && grep -qE '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list; then
            log "adding deb-src lines derived from /etc/apt/sources.list -> $srcs_d/soapgap-deb-src.list"
            sed -nE 's/^[[:space:]]*deb([[:space:]])/deb-src\1/p' /etc/apt/sources.list > "/tmp/soapgap-deb-src.$$"
            as_root install -m 0644 "/tmp/soapgap-deb-src.$$" "$srcs_d/soapgap-deb-src.list"
            rm -f "/tmp/soapgap-deb-src.$$"
        else
            die "no Debian apt source found (neither $srcs_d/debian.sources nor 'deb' lines in /etc/apt/sources.list): add a deb-src entry yourself"
        fi
    fi
    log "apt-get update (for the source indices)"
    run_logged apt-update-src as_root apt-get update
    have_src || die "apt-get still finds no source package lammps $LAMMPS_UPSTREAM after adding deb-src entries (check /etc/apt/sources.list.d/soapgap-deb-src.*)"
    DEB_SRC_OK=1
}

# Debian sid's source index (LAMMPS 2026): one deb-src stanza for suite sid, main, with the
# URIs and keyring of this machine's first Debian stanza (no host name in this repository).
ensure_sid_src() {
    apt-cache showsrc lammps 2>/dev/null | grep "^Version: $LAMMPS_UPSTREAM" >/dev/null && return 0
    local srcs_d=/etc/apt/sources.list.d uri="" keyring="" from
    if [ -f "$srcs_d/debian.sources" ]; then  # deb822 (Debian 12 container images)
        from="$srcs_d/debian.sources"
        uri=$(awk '/^URIs:/ { print $2; exit }' "$from")
        keyring=$(awk '/^Signed-By:/ { print $2; exit }' "$from")
    elif [ -f /etc/apt/sources.list ]; then  # one-line format (installer, debootstrap)
        from=/etc/apt/sources.list
        uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/ && $i ~ /:\/\//) { print $i; exit } }' "$from")
    fi
    [ -n "$uri" ] || die "no Debian mirror found in /etc/apt (debian.sources or sources.list) to derive a sid deb-src entry from (add 'deb-src <mirror> sid main' yourself)"
    [ -n "$keyring" ] || keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    log "adding a deb-src stanza for Debian sid (mirror of $from) -> $srcs_d/soapgap-sid-src.sources"
    # Check-Valid-Until: no: mirrors and proxies that serve a dated sid index (its Release file
    # expires within days) stay usable; the signature is still checked, and the one file taken
    # from it, the orig tarball of a pinned version, is checked against that index's SHA-256.
    printf 'Types: deb-src\nURIs: %s\nSuites: sid\nComponents: main\nCheck-Valid-Until: no\n%s' "$uri" \
        "${keyring:+Signed-By: $keyring
}" > "/tmp/soapgap-sid-src.$$"
    as_root install -m 0644 "/tmp/soapgap-sid-src.$$" "$srcs_d/soapgap-sid-src.sources"
    rm -f "/tmp/soapgap-sid-src.$$"
    log "apt-get update (for the sid source index)"
    run_logged apt-update-sid as_root apt-get update
    apt-cache showsrc lammps 2>/dev/null | grep "^Version: $LAMMPS_UPSTREAM" >/dev/null ||
        die "apt finds no lammps $LAMMPS_UPSTREAM source after adding $srcs_d/soapgap-sid-src.sources"
}

# ---------------------------------------------------------------------------------------------
# 3. Download the Debian source packages (versions checked) and unpack.
# ---------------------------------------------------------------------------------------------
# The Debian version of source package $1 whose upstream part starts with $2.
pick_version() {
    if [ "$LAMMPS_SUITE" = sid ]; then ensure_sid_src; else ensure_deb_src; fi
    local v
    v=$(apt-cache showsrc "$1" 2>/dev/null | sed -n 's/^Version: //p' | sed 's/^[0-9]*://' | grep -E "^$2([.+~-]|$)" | sort -V | tail -n1 || true)
    if [ -z "$v" ]; then
        local found
        found=$(apt-cache showsrc "$1" 2>/dev/null | sed -n 's/^Version: //p' | tr '\n' ' ')
        die "Debian source package '$1' version $2 not available from apt (found: ${found:-none}). This recipe needs Debian's $LAMMPS_SUITE sources; or build LAMMPS yourself and set LAMMPS_SOURCE_DIR/LAMMPS_BUILD_DIR."
    fi
    printf '%s' "$v"
}

# apt-get source --download-only $1=$2 into $DL (apt verifies the hashes from the signed index).
fetch_src() {
    local pkg=$1 ver=$2 key="fetch $1 $2"
    local dsc="$DL/${pkg}_${ver}.dsc"
    if [ -f "$DL/.$pkg.stamp" ] && [ "$(cat "$DL/.$pkg.stamp")" = "$key" ] && [ -f "$dsc" ]; then
        return 0
    fi
    log "downloading Debian source $pkg=$ver (apt-get source --download-only)"
    local t=$(date +%s)
    ensure_deb_src
    run_logged "download-$pkg" bash -c 'cd "$1" && apt-get source --download-only "$2"' _ "$DL" "$pkg=$ver"
    [ -f "$dsc" ] || die "expected $dsc after apt-get source"
    printf '%s' "$key" > "$DL/.$pkg.stamp"
    log "  $pkg downloaded in $(( $(date +%s) - t ))s"
}

# The orig tarball of source package $1 version $2 alone, into $DL: its URI and SHA-256 from
# `apt-get source --print-uris` (the signed index), downloaded and checked by apt-helper.
# Prints the tarball's path.
fetch_orig() {
    local pkg=$1 ver=$2 key="orig $1 $2" line uri name hash
    line=$(apt-get source --print-uris "$pkg=$ver" 2>/dev/null | grep -E "\.orig\.tar\.[a-z0-9]+' " | head -n1 || true)
    [ -n "$line" ] || die "apt-get source --print-uris $pkg=$ver lists no orig tarball"
    uri=$(printf '%s' "$line" | awk '{ gsub("\047", "", $1); print $1 }')
    name=$(printf '%s' "$line" | awk '{ print $2 }')
    hash=$(printf '%s' "$line" | awk '{ print $4 }')
    case "$hash" in SHA256:*) ;; *) die "no SHA256 for $name in the source index (got '$hash')" ;; esac
    if [ -f "$DL/.$name.stamp" ] && [ "$(cat "$DL/.$name.stamp")" = "$key $hash" ] && [ -f "$DL/$name" ]; then
        printf '%s' "$DL/$name"
        return 0
    fi
    log "downloading $name (orig tarball of Debian source $pkg=$ver, $hash)"
    local t=$(date +%s)
    run_logged "download-$pkg-orig" /usr/lib/apt/apt-helper download-file "$uri" "$DL/$name.part" "$hash"
    mv -f "$DL/$name.part" "$DL/$name"
    printf '%s' "$key $hash" > "$DL/.$name.stamp"
    log "  downloaded in $(( $(date +%s) - t ))s"
    printf '%s' "$DL/$name"
}

LAMMPS_DEB_VER=${LAMMPS_DEB_VER:-}
TRILINOS_DEB_VER=${TRILINOS_DEB_VER:-}
# Re-use the versions recorded by a previous successful fetch when apt is not needed.
if [ -z "$LAMMPS_DEB_VER" ] && [ -f "$DL/.lammps.stamp" ]; then
    LAMMPS_DEB_VER=$(sed -n 's/^fetch lammps //p' "$DL/.lammps.stamp")
    case "$LAMMPS_DEB_VER" in "$LAMMPS_UPSTREAM"*) ;; *) LAMMPS_DEB_VER= ;; esac
fi
if [ -z "$LAMMPS_DEB_VER" ] && [ -f "$PREFIX/stamps/lammps-src" ]; then
    LAMMPS_DEB_VER=$(sed -n 's/^lammps-src \([^ ]*\) .*/\1/p' "$PREFIX/stamps/lammps-src")
fi
[ -n "$LAMMPS_DEB_VER" ] || LAMMPS_DEB_VER=$(pick_version lammps "$LAMMPS_UPSTREAM")
case "$LAMMPS_DEB_VER" in "$LAMMPS_UPSTREAM"*) ;; *) die "lammps source version $LAMMPS_DEB_VER is not $LAMMPS_UPSTREAM" ;; esac
if [ "$WITH_KOKKOS" = 1 ]; then
    [ -z "$TRILINOS_DEB_VER" ] && [ -f "$DL/.trilinos.stamp" ] && TRILINOS_DEB_VER=$(sed -n 's/^fetch trilinos //p' "$DL/.trilinos.stamp")
    [ -n "$TRILINOS_DEB_VER" ] || TRILINOS_DEB_VER=$(pick_version trilinos "$TRILINOS_UPSTREAM")
    case "$TRILINOS_DEB_VER" in "$TRILINOS_UPSTREAM"*) ;; *) die "trilinos source version $TRILINOS_DEB_VER is not $TRILINOS_UPSTREAM" ;; esac
fi

LAMMPS_SRC="$PREFIX/lammps-src"
KOKKOS_SRC="$PREFIX/kokkos-src"

# LAMMPS: the upstream source as Debian repacked it (dpkg-source --skip-patches: Debian's
# patches hard-wire /usr/share/lammps/potentials in place of $LAMMPS_POTENTIALS and skip the
# install of potentials), unpacked into a temp dir, then renamed into place.
K_LSRC="lammps-src $LAMMPS_DEB_VER skip-patches"
if [ "$KOKKOS_ONLY" = 0 ] && { ! stamp_ok lammps-src "$K_LSRC" || [ ! -f "$LAMMPS_SRC/src/pair.h" ]; }; then
    if [ "$LAMMPS_SUITE" = sid ]; then
        orig=$(fetch_orig lammps "$LAMMPS_DEB_VER")
        log "unpacking $(basename "$orig") -> $LAMMPS_SRC"
        t=$(date +%s)
        rm -rf "$LAMMPS_SRC" "$LAMMPS_SRC.tmp"
        mkdir -p "$LAMMPS_SRC.tmp"
        run_logged unpack-lammps tar -xf "$orig" -C "$LAMMPS_SRC.tmp"
        # the tarball may hold the tree at its top or in one folder
        if [ ! -f "$LAMMPS_SRC.tmp/src/pair.h" ] && [ "$(ls -A "$LAMMPS_SRC.tmp" | wc -l)" = 1 ]; then
            top=$(ls -A "$LAMMPS_SRC.tmp")
            mv "$LAMMPS_SRC.tmp/$top" "$LAMMPS_SRC.tmp2" && rmdir "$LAMMPS_SRC.tmp" && mv "$LAMMPS_SRC.tmp2" "$LAMMPS_SRC.tmp"
        fi
    else
        fetch_src lammps "$LAMMPS_DEB_VER"
        log "unpacking lammps $LAMMPS_DEB_VER -> $LAMMPS_SRC"
        t=$(date +%s)
        rm -rf "$LAMMPS_SRC" "$LAMMPS_SRC.tmp"
        run_logged unpack-lammps dpkg-source --skip-patches -x "$DL/lammps_${LAMMPS_DEB_VER}.dsc" "$LAMMPS_SRC.tmp"
    fi
    [ -f "$LAMMPS_SRC.tmp/src/pair.h" ] && [ -f "$LAMMPS_SRC.tmp/cmake/CMakeLists.txt" ] ||
        die "unpacked lammps has no src/pair.h or cmake/CMakeLists.txt"
    # Debian's 20220106 snapshot is the 29Sep2021 stable release, update 2; 20260704 is 4 Jul 2026.
    grep -q "LAMMPS_VERSION \"$LAMMPS_VERSION_H\"" "$LAMMPS_SRC.tmp/src/version.h" ||
        die "lammps source is not $LAMMPS_VERSION_H (Debian $LAMMPS_UPSTREAM): src/version.h says $(tr '\n' ' ' < "$LAMMPS_SRC.tmp/src/version.h")"
    mv "$LAMMPS_SRC.tmp" "$LAMMPS_SRC"
    stamp_set lammps-src "$K_LSRC"
    log "  unpacked in $(( $(date +%s) - t ))s"
fi

if [ "$WITH_KOKKOS" = 1 ]; then
    # Kokkos: only */packages/kokkos/* from the trilinos orig tarball (+ CUDA patches if --cuda).
    PATCHES=()
    if [ "$CUDA" = 1 ]; then
        PATCHES=("$PATCH_DIR"/kokkos-3.4.01-*.patch)
        [ -f "${PATCHES[0]}" ] || die "no Kokkos patches in $PATCH_DIR"
    fi
    PATCHES_HASH=none
    [ ${#PATCHES[@]} -gt 0 ] && PATCHES_HASH=$(cat "${PATCHES[@]}" | sha256sum | cut -c1-16)
    K_KSRC="kokkos-src $TRILINOS_DEB_VER cuda=$CUDA arch=$CUDA_ARCH patches=$PATCHES_HASH"
    if ! stamp_ok kokkos-src "$K_KSRC" || [ ! -f "$KOKKOS_SRC/CMakeLists.txt" ]; then
        fetch_src trilinos "$TRILINOS_DEB_VER"
        orig=$(ls -1 "$DL/trilinos_${TRILINOS_UPSTREAM}".orig.tar.* 2>/dev/null | head -n1)
        [ -n "$orig" ] || die "no trilinos_${TRILINOS_UPSTREAM}.orig.tar.* in $DL"
        log "extracting packages/kokkos from $(basename "$orig") -> $KOKKOS_SRC"
        t=$(date +%s)
        rm -rf "$KOKKOS_SRC" "$KOKKOS_SRC.tmp"
        mkdir -p "$KOKKOS_SRC.tmp"
        run_logged unpack-kokkos tar -xf "$orig" -C "$KOKKOS_SRC.tmp" --wildcards '*/packages/kokkos/*'
        kdir=$(ls -d "$KOKKOS_SRC.tmp"/*/packages/kokkos 2>/dev/null | head -n1)
        [ -n "$kdir" ] && [ -f "$kdir/CMakeLists.txt" ] || die "no packages/kokkos/CMakeLists.txt in $orig"
        mv "$kdir" "$KOKKOS_SRC"
        rm -rf "$KOKKOS_SRC.tmp"
        kv=$(sed -nE 's/^ *set\(Kokkos_VERSION_(MAJOR|MINOR|PATCH) +([0-9]+)\).*/\2/p' "$KOKKOS_SRC/CMakeLists.txt" | head -n3 | tr '\n' ' ')
        read -r kmaj kmin kpat <<< "$kv"
        [ -n "${kpat:-}" ] && [ "$(printf '%s.%s.%02d' "$kmaj" "$kmin" "$((10#$kpat))")" = "$KOKKOS_VERSION" ] ||
            die "Kokkos in trilinos $TRILINOS_DEB_VER is ${kmaj:-?}.${kmin:-?}.${kpat:-?}, expected $KOKKOS_VERSION"
        if [ "$CUDA" = 1 ]; then
            for p in "${PATCHES[@]}"; do
                log "  applying $(basename "$p")"
                patch -d "$KOKKOS_SRC" -p1 --forward --batch < "$p" >&2 || die "patch $(basename "$p") does not apply to Kokkos $KOKKOS_VERSION"
            done
            # nvcc_wrapper's default arch (sm_35) is rejected by nvcc >= 12: default to $CUDA_ARCH.
            grep -q '^default_arch="sm_35"' "$KOKKOS_SRC/bin/nvcc_wrapper" || die "nvcc_wrapper has no default_arch=\"sm_35\" line"
            sed -i "s/^default_arch=\"sm_35\"/default_arch=\"$CUDA_ARCH\"/" "$KOKKOS_SRC/bin/nvcc_wrapper"
            log "  nvcc_wrapper default arch -> $CUDA_ARCH"
        fi
        stamp_set kokkos-src "$K_KSRC"
        log "  extracted in $(( $(date +%s) - t ))s"
    fi

    # ---------------------------------------------------------------------------------------------
    # 4. Kokkos, then LAMMPS.
    # ---------------------------------------------------------------------------------------------
    KOKKOS_PREFIX="$PREFIX/kokkos"
    KOKKOS_BUILD="$PREFIX/kokkos-build"
    KOKKOS_CMAKE_DIR="$KOKKOS_PREFIX/lib/cmake/Kokkos"
    KOKKOS_OPTS=(
        -DCMAKE_BUILD_TYPE=Release
        -DCMAKE_INSTALL_PREFIX="$KOKKOS_PREFIX"
        -DCMAKE_INSTALL_LIBDIR=lib
        -DBUILD_SHARED_LIBS=ON
        -DKokkos_ENABLE_SERIAL=ON
        -DKokkos_ENABLE_OPENMP=ON
        -DCMAKE_CXX_EXTENSIONS=OFF
    )
    if [ "$CUDA" = 1 ]; then
        KOKKOS_OPTS+=(
            -DCMAKE_CXX_COMPILER="$KOKKOS_SRC/bin/nvcc_wrapper"
            -DCMAKE_CXX_STANDARD=17
            -DKokkos_ENABLE_CUDA=ON
            -DKokkos_ENABLE_CUDA_LAMBDA=ON
            -DKokkos_ARCH_AMPERE80=ON
        )
        export NVCC_WRAPPER_DEFAULT_COMPILER=${NVCC_WRAPPER_DEFAULT_COMPILER:-g++}
        export PATH="$(dirname "$NVCC"):$PATH"       # nvcc_wrapper calls 'nvcc' from PATH
        export CUDA_ROOT=${CUDA_ROOT:-$(dirname "$(dirname "$NVCC")")}
    else
        KOKKOS_OPTS+=(-DCMAKE_CXX_COMPILER=g++ -DCMAKE_CXX_STANDARD=14)
    fi
    K_KOKKOS="kokkos $(keyhash "$K_KSRC" "${KOKKOS_OPTS[*]}")"
    if ! stamp_ok kokkos "$K_KOKKOS" || [ ! -f "$KOKKOS_CMAKE_DIR/KokkosConfig.cmake" ]; then
        log "building Kokkos $KOKKOS_VERSION ($( [ "$CUDA" = 1 ] && echo "Serial+OpenMP+CUDA $CUDA_ARCH" || echo "Serial+OpenMP"), shared) -> $KOKKOS_PREFIX"
        t=$(date +%s)
        prepare_build_dir "$K_KOKKOS" "$KOKKOS_BUILD" "$KOKKOS_PREFIX"
        run_logged kokkos-configure cmake -S "$KOKKOS_SRC" -B "$KOKKOS_BUILD" "${KOKKOS_OPTS[@]}"
        log "  configured in $(( $(date +%s) - t ))s; compiling (log: $LOGS/kokkos-build.log)"
        run_logged kokkos-build "${NICE[@]}" cmake --build "$KOKKOS_BUILD" --parallel "$JOBS"
        run_logged kokkos-install cmake --install "$KOKKOS_BUILD"
        [ -f "$KOKKOS_CMAKE_DIR/KokkosConfig.cmake" ] || die "Kokkos installed no $KOKKOS_CMAKE_DIR/KokkosConfig.cmake"
        stamp_set kokkos "$K_KOKKOS"
        log "  Kokkos built and installed in $(( $(date +%s) - t ))s"
    else
        log "Kokkos: up to date ($KOKKOS_PREFIX)"
    fi

else
    K_KOKKOS="kokkos none"
    KOKKOS_CMAKE_DIR=""
fi

LAMMPS_BUILD="$PREFIX/lammps-build"
LAMMPS_PREFIX="$PREFIX/lammps"
LAMMPS_OPTS=(
    -DCMAKE_BUILD_TYPE=Release
    -DCMAKE_INSTALL_PREFIX="$LAMMPS_PREFIX"
    -DCMAKE_INSTALL_LIBDIR=lib
    "-DCMAKE_INSTALL_RPATH=$LAMMPS_PREFIX/lib${KOKKOS_CMAKE_DIR:+;$KOKKOS_PREFIX/lib}"
    -DBUILD_SHARED_LIBS=on
    -DBUILD_MPI=on
    -DBUILD_OMP=on
    -DLAMMPS_EXCEPTIONS=on
    -DPKG_PLUGIN=on
    ${KOKKOS_CMAKE_DIR:+-DPKG_KOKKOS=on -DEXTERNAL_KOKKOS=on "-DKokkos_DIR=$KOKKOS_CMAKE_DIR"}
    -DPKG_MANYBODY=on
    -DPKG_ML-SNAP=on
    -DPKG_EXTRA-PAIR=on
)
if [ "$CUDA" = 1 ]; then
    LAMMPS_OPTS+=(-DCMAKE_CXX_COMPILER="$KOKKOS_PREFIX/bin/nvcc_wrapper" -DCMAKE_CXX_STANDARD=17)
elif [ "$RELEASE" = 2022 ]; then
    LAMMPS_OPTS+=(-DCMAKE_CXX_COMPILER=g++ -DCMAKE_CXX_STANDARD=14)
else
    LAMMPS_OPTS+=(-DCMAKE_CXX_COMPILER=g++)  # LAMMPS 2026: its default, C++17
fi
K_LAMMPS="lammps $(keyhash "$K_LSRC" "$K_KOKKOS" "${LAMMPS_OPTS[*]}")"
LMP="$LAMMPS_PREFIX/bin/lmp"
LIBLAMMPS="$LAMMPS_PREFIX/lib/liblammps.so"

if [ "$KOKKOS_ONLY" = 1 ]; then
    log "--kokkos-only: stopping after Kokkos ($(( $(date +%s) - T0 ))s in all)"
    printf 'KOKKOS_DIR=%s\n' "$KOKKOS_CMAKE_DIR"
    exit 0
fi

if ! stamp_ok lammps "$K_LAMMPS" || [ ! -x "$LMP" ] || [ ! -f "$LAMMPS_BUILD/styles/style_pair.h" ]; then
    log "building LAMMPS $LAMMPS_UPSTREAM (MPI, OpenMP, PLUGIN,$( [ "$WITH_KOKKOS" = 1 ] && echo " KOKKOS,") MANYBODY, ML-SNAP, EXTRA-PAIR) -> $LAMMPS_BUILD"
    [ "$CUDA" = 1 ] && log "  (CUDA build through nvcc_wrapper: expect 45+ min on 2 cores)"
    t=$(date +%s)
    prepare_build_dir "$K_LAMMPS" "$LAMMPS_BUILD" "$LAMMPS_PREFIX"
    run_logged lammps-configure cmake -S "$LAMMPS_SRC/cmake" -B "$LAMMPS_BUILD" "${LAMMPS_OPTS[@]}"
    log "  configured in $(( $(date +%s) - t ))s; compiling with -j$JOBS (log: $LOGS/lammps-build.log)"
    t2=$(date +%s)
    run_logged lammps-build "${NICE[@]}" cmake --build "$LAMMPS_BUILD" --parallel "$JOBS"
    log "  compiled in $(( $(date +%s) - t2 ))s"
    run_logged lammps-install cmake --install "$LAMMPS_BUILD"
    [ -x "$LMP" ] || die "LAMMPS install has no $LMP"
    [ -f "$LIBLAMMPS" ] || LIBLAMMPS=$(ls -1 "$LAMMPS_PREFIX"/lib*/liblammps*.so 2>/dev/null | head -n1)
    [ -n "$LIBLAMMPS" ] && [ -f "$LIBLAMMPS" ] || die "LAMMPS install has no liblammps.so under $LAMMPS_PREFIX"
    "$LMP" -h > "$LOGS/lmp-h.txt" 2>&1 || die "$LMP -h failed (see $LOGS/lmp-h.txt)"
    stamp_set lammps "$K_LAMMPS"
    log "  LAMMPS built and installed in $(( $(date +%s) - t ))s"
else
    log "LAMMPS: up to date ($LAMMPS_PREFIX)"
fi

# ---------------------------------------------------------------------------------------------
# 6. The paths, as KEY=value on stdout and in <prefix>/lammps-paths.env.
# ---------------------------------------------------------------------------------------------
{
    printf 'LAMMPS_SOURCE_DIR=%s\n' "$LAMMPS_SRC"
    printf 'LAMMPS_BUILD_DIR=%s\n' "$LAMMPS_BUILD"
    printf 'LAMMPS_BINARY=%s\n' "$LMP"
    printf 'LAMMPS_LIBRARY=%s\n' "$LIBLAMMPS"
    printf 'KOKKOS_DIR=%s\n' "$KOKKOS_CMAKE_DIR"
} > "$PREFIX/lammps-paths.env.tmp"
mv -f "$PREFIX/lammps-paths.env.tmp" "$PREFIX/lammps-paths.env"
log "done in $(( $(date +%s) - T0 ))s; paths also in $PREFIX/lammps-paths.env"
cat "$PREFIX/lammps-paths.env"
