#!/bin/sh
# Installs vla-provision on a machine that has nothing on it: the standalone executable for this
# machine's architecture (Node.js included), from the project's GitHub release, checked against the
# release's SHA256SUMS before anything is installed.
#
#   curl -fsSL https://github.com/vla-provision/vla-provision/releases/latest/download/install.sh | sh
#   wget -qO- https://github.com/vla-provision/vla-provision/releases/latest/download/install.sh | sh
#
# Environment:
#   VLA_PROVISION_VERSION      the release to install, e.g. 0.2.0 (default: the latest release)
#   VLA_PROVISION_BASE_URL     a folder holding vla-provision-linux-<x64|arm64> and SHA256SUMS
#                              (a mirror, a server inside an air-gapped network); replaces the
#                              GitHub address and VLA_PROVISION_VERSION
#   VLA_PROVISION_INSTALL_DIR  where to install (default: /usr/local/bin as root, else ~/.local/bin)
#
# Exits non-zero, having installed nothing, when the architecture is not supported, a download
# fails, the checksum does not match, or the executable does not run here.

# The GitHub repository (owner/name) the releases come from. The release workflow writes the real
# owner into the install.sh it attaches to a release; change it here for a fork.
REPOSITORY="vla-provision/vla-provision"

# Everything runs from main, called on the last line: a download cut short runs nothing.
set -eu

say() {
  printf '%s\n' "$*" >&2
}

die() {
  say "vla-provision install: $*"
  exit 1
}

has() {
  command -v "$1" >/dev/null 2>&1
}

# download URL FILE
download() {
  case "$1" in
    https://*) curl_proto="=https" ;;
    *) curl_proto="=http,https" ;;
  esac
  if has curl; then
    curl -fsSL --proto "$curl_proto" --retry 3 --connect-timeout 20 -o "$2" "$1" ||
      die "could not download $1 (curl exit $?)"
  elif has wget; then
    wget -q -O "$2" "$1" || die "could not download $1 (wget exit $?)"
  else
    die "neither curl nor wget is installed: install one of them (apt-get install curl) and run this again"
  fi
}

# sha256 FILE: the file's SHA-256, in lower-case hex
sha256() {
  if has sha256sum; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif has shasum; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  else
    die "neither sha256sum nor shasum is installed: the download cannot be verified"
  fi
}

main() {
  os=$(uname -s)
  [ "$os" = Linux ] || die "vla-provision provisions Linux hosts; this is $os. From here, install Node.js 18.19 or newer and run: npx vla-provision --ssh <host>"

  machine=$(uname -m)
  case "$machine" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "no executable for this machine's architecture ($machine): there are x86_64 (amd64) and aarch64 (arm64) ones. Elsewhere, install Node.js 18.19 or newer and run: npx vla-provision" ;;
  esac
  name="vla-provision-linux-$arch"

  if [ -n "${VLA_PROVISION_BASE_URL:-}" ]; then
    base=${VLA_PROVISION_BASE_URL%/}
  else
    version=${VLA_PROVISION_VERSION:-latest}
    case "$version" in
      latest) base="https://github.com/$REPOSITORY/releases/latest/download" ;;
      *[!0-9A-Za-z.+-]* | v | "") die "VLA_PROVISION_VERSION=$version is not a version (e.g. 0.2.0)" ;;
      *) base="https://github.com/$REPOSITORY/releases/download/v${version#v}" ;;
    esac
  fi
  case "$base" in
    https://*) ;;
    http://*) say "note: $base is plain http: the checksum then protects against a damaged download, not against a tampered one" ;;
    *) die "VLA_PROVISION_BASE_URL=$base: expected an http:// or https:// address" ;;
  esac

  if [ -n "${VLA_PROVISION_INSTALL_DIR:-}" ]; then
    dir=${VLA_PROVISION_INSTALL_DIR%/}
  elif [ "$(id -u)" -eq 0 ]; then
    dir=/usr/local/bin
  else
    dir="${HOME:?HOME is not set}/.local/bin"
  fi

  tmp=$(mktemp -d 2>/dev/null || mktemp -d -t vla-provision)
  trap 'rm -rf "$tmp"' EXIT
  trap 'exit 130' INT TERM

  say "Downloading $name and SHA256SUMS from $base"
  download "$base/SHA256SUMS" "$tmp/SHA256SUMS"
  download "$base/$name" "$tmp/$name"

  # sha256sum's format: "<hex>  <name>" (or "<hex> *<name>" in binary mode).
  expected=$(awk -v f="$name" '$2 == f || $2 == "*" f { print $1 }' "$tmp/SHA256SUMS")
  case "$expected" in
    *[!0-9a-f]* | "") die "SHA256SUMS from $base has no (single) SHA-256 for $name: nothing was installed" ;;
  esac
  [ "${#expected}" -eq 64 ] || die "SHA256SUMS from $base has a malformed SHA-256 for $name: nothing was installed"
  actual=$(sha256 "$tmp/$name")
  if [ "$actual" != "$expected" ]; then
    die "checksum mismatch for $name: SHA256SUMS says $expected, the download is $actual. It was damaged or tampered with; nothing was installed"
  fi
  say "Checksum verified: $actual"

  mkdir -p "$dir" || die "cannot create $dir: nothing was installed"
  # Copied beside the target, tried there (a noexec /tmp does not matter), then renamed over it:
  # a running copy is never half-written, and one that cannot run here is never installed.
  new="$dir/.vla-provision.new.$$"
  trap 'rm -rf "$tmp"; rm -f "$new"' EXIT
  cp "$tmp/$name" "$new" 2>/dev/null ||
    die "cannot write to $dir (run as root, or set VLA_PROVISION_INSTALL_DIR): nothing was installed"
  chmod 0755 "$new"
  installed_version=$("$new" --version 2>&1) ||
    die "the executable does not run on this machine: $installed_version. Nothing was installed"
  mv -f "$new" "$dir/vla-provision" || die "cannot install $dir/vla-provision"

  say "Installed vla-provision $installed_version to $dir/vla-provision"
  command="vla-provision"
  case ":${PATH:-}:" in
    *":$dir:"*) ;;
    *)
      command="$dir/vla-provision"
      say "($dir is not on your PATH: add it, e.g. export PATH=\"$dir:\$PATH\")"
      ;;
  esac
  say ""
  say "Next: see every change it would make on this machine (nothing is changed):"
  say "  $command --dry-run"
  say "then provision it (it asks for your sudo password if it needs one):"
  say "  $command"
}

main "$@"
