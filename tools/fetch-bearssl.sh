#!/bin/sh
# Obtain BearSSL 0.6 sources for the build, without touching the system's apt
# configuration and without committing a byte of BearSSL.
#
#   BEARSSL_SRC=/path/to/bearssl-0.6  -> use that tree as it is
#   otherwise                         -> Debian's source package, checked by sha256
#
# Prints the path of the source tree (the folder that holds inc/ and src/).
set -eu

OUT_DIR="${1:-build/bearssl}"
ORIG_SHA256="102a625bd8f6155260867a50c508df8d8c3f796985dd744df1a68e5cd1a79004"
ORIG_NAME="bearssl_0.6+dfsg.1.orig.tar.xz"

if [ -n "${BEARSSL_SRC:-}" ]; then
  if [ ! -f "$BEARSSL_SRC/inc/bearssl.h" ]; then
    echo "BEARSSL_SRC=$BEARSSL_SRC does not hold inc/bearssl.h" >&2
    exit 1
  fi
  echo "$BEARSSL_SRC"
  exit 0
fi

TREE="$OUT_DIR/src-tree"
if [ -f "$TREE/inc/bearssl.h" ]; then
  echo "$TREE"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "apt-get not found: set BEARSSL_SRC to an unpacked BearSSL 0.6 tree" >&2
  exit 1
fi

D="$(mkdir -p "$OUT_DIR/apt" && cd "$OUT_DIR/apt" && pwd)"

# The archive address is read from this machine's own apt configuration:
# we never write a host name into the repository.
uri=""
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  uri="$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f")"
  [ -n "$uri" ] && break
done
if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
  uri="$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' /etc/apt/sources.list)"
fi
if [ -z "$uri" ]; then
  echo "no Debian archive found in the apt configuration: set BEARSSL_SRC" >&2
  exit 1
fi

SIGNED=""
if [ -f /usr/share/keyrings/debian-archive-keyring.gpg ]; then SIGNED="[signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]"; fi
echo "deb-src $SIGNED $uri bookworm main" > "$D/sources.list"
mkdir -p "$D/lists/partial"
O="-o Dir::Etc::SourceList=$D/sources.list -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists=$D/lists -o Debug::NoLocking=1"
if [ ! -f "$D/$ORIG_NAME" ]; then
  # shellcheck disable=SC2086
  apt-get $O -qq update >&2
  # shellcheck disable=SC2086
  (cd "$D" && apt-get $O -qq source --download-only bearssl >&2)
fi

got="$(sha256sum "$D/$ORIG_NAME" | cut -d' ' -f1)"
if [ "$got" != "$ORIG_SHA256" ]; then
  echo "sha256 mismatch for $ORIG_NAME: got $got, want $ORIG_SHA256" >&2
  exit 1
fi

rm -rf "$TREE.tmp" && mkdir -p "$TREE.tmp"
tar -xJf "$D/$ORIG_NAME" -C "$TREE.tmp" --strip-components=1
mv "$TREE.tmp" "$TREE"
echo "$TREE"
