#!/usr/bin/env bash
# deps.sh: make sure the Debian packages that the build and the tests need
# are installed.  Silent when they are.  As root, installs what is
# missing; otherwise names it and fails.
#
#   bash scripts/deps.sh
set -u

# What the build and the tests use:
#   gcc, libc6-dev, linux-libc-dev   compiler, libc headers, Linux UAPI headers
#   make, binutils                   make; ld -r, objcopy, ar, nm
#   libcriterion-dev                 the test framework
#   pkg-config                       the install check (rump.pc)
#   libasan8, libubsan1, libtsan2    gcc 12's sanitizer runtimes
# awk (mawk or gawk) is checked separately below.  timeout (coreutils)
# and setarch (util-linux) are Essential packages, always present.
pkgs=(gcc libc6-dev linux-libc-dev make binutils libcriterion-dev
	pkg-config libasan8 libubsan1 libtsan2)

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps: no dpkg-query: not a Debian system, packages not checked" >&2
	exit 0
fi

installed() {
	local status
	status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
	[ "$status" = "install ok installed" ]
}

missing=()
for p in "${pkgs[@]}"; do
	installed "$p" || missing+=("$p")
done
if ! installed mawk && ! installed gawk; then
	missing+=(mawk)
fi

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages: ${missing[*]}" \
		"(as root: apt-get install ${missing[*]})" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null ||
	echo "deps: apt-get update failed; trying the install anyway" >&2
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" \
	</dev/null; then
	echo "deps: could not install ${missing[*]}" >&2
	exit 1
fi
