# Shared by quickstart.sh and test.sh (sourced, POSIX sh). Installs the Debian
# packages libsigma needs when some are missing and configures build dirs.

# libevtx-dev (with libbfio-dev, which Debian's libevtx.h needs) is optional for the
# build (EVTX input of sigma-scan) but installed so that the corpus-evtx test runs.
SIGMA_PACKAGES="meson ninja-build pkg-config gcc libc6-dev libyaml-dev libutf8proc-dev \
libpcre2-dev libjansson-dev python3 libevtx-dev libbfio-dev"

say() { printf '==> %s\n' "$*"; }

# Installs the packages above that are not installed yet (Debian/Ubuntu only).
install_deps() {
    if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
        say "not a Debian system: please install meson, ninja, pkg-config, a C11 compiler,"
        say "libyaml, utf8proc, PCRE2, jansson (development files) and python3 yourself"
        say "(and libevtx for EVTX input in sigma-scan: optional)"
        return 0
    fi
    missing=""
    for pkg in $SIGMA_PACKAGES; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            missing="$missing $pkg"
        fi
    done
    [ -z "$missing" ] && return 0
    say "installing Debian packages:$missing"
    if [ "$(id -u)" -eq 0 ]; then
        sudo=""
    elif command -v sudo >/dev/null 2>&1; then
        sudo="sudo"
    else
        say "packages missing and not root and no sudo: install them as root:"
        say "  apt-get install -y$missing"
        exit 2
    fi
    # A fresh image has no package lists yet; fetch them when the install fails.
    # shellcheck disable=SC2086
    if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y $missing; then
        $sudo apt-get update
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y $missing
    fi
}

# setup_build DIR [meson options...]: configures DIR once; later runs apply the
# options to the existing configuration. -Dwerror=true is added when CI=true.
setup_build() {
    dir=$1
    shift
    if [ "${CI:-}" = "true" ]; then
        set -- "$@" -Dwerror=true
    fi
    if [ -f "$dir/build.ninja" ]; then
        if [ $# -gt 0 ]; then
            meson configure "$dir" "$@"
        fi
    else
        meson setup "$dir" "$@"
    fi
}
