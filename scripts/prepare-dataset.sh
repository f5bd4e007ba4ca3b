#!/usr/bin/env bash
# Prepares a named data set that is too large to embed, from Debian's packages (docs/data.md):
#   scripts/prepare-dataset.sh fashion-mnist   # installs dataset-fashion-mnist (MIT, Zalando SE)
#                                              # into /usr/share/datasets/fashion-mnist
#   scripts/prepare-dataset.sh kjv [DIR]       # decodes the King James Bible (public domain) from
#                                              # bible-kjv-text with its reader, into DIR/kjv.txt
#                                              # (default ${DESCENT_DATA_DIR:-~/.cache/descent})
set -euo pipefail
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
case "${1:-}" in
  fashion-mnist)
    if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
      $sudo_cmd apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq dataset-fashion-mnist >/dev/null
    fi
    echo "fashion-mnist: /usr/share/datasets/fashion-mnist"
    ;;
  kjv)
    dir="${2:-${DESCENT_DATA_DIR:-$HOME/.cache/descent}}"
    mkdir -p "$dir"
    if [ ! -f "$dir/kjv.txt" ]; then
      work=$(mktemp -d)
      trap 'rm -rf "$work"' EXIT
      (cd "$work" && $sudo_cmd apt-get update -qq && apt-get download bible-kjv bible-kjv-text >/dev/null 2>&1)
      for f in "$work"/bible-kjv*.deb; do dpkg -x "$f" "$work/x"; done
      "$work/x/usr/bin/bible" -f -p "$work/x/usr/lib" gen1:1-rev22:21 </dev/null | sed 's/^[^ ]* //' > "$work/kjv.txt"
      expected=b5c4940bcfeee072c0935b5200d0f9d88a00a0199cb0961d16133458fcdfae5d
      actual=$(sha256sum "$work/kjv.txt" | cut -d' ' -f1)
      if [ "$actual" != "$expected" ]; then
        echo "kjv: decoded text has sha256 $actual, expected $expected; the Debian package changed?" >&2
        exit 65
      fi
      mv "$work/kjv.txt" "$dir/kjv.txt.tmp" && mv "$dir/kjv.txt.tmp" "$dir/kjv.txt"
    fi
    echo "kjv: $dir/kjv.txt"
    ;;
  *)
    echo "usage: scripts/prepare-dataset.sh fashion-mnist | kjv [DIR]" >&2
    exit 64
    ;;
esac
