#ifndef DESCENT_CZLIB_SHIM_H
#define DESCENT_CZLIB_SHIM_H

// zlib (zlib1g-dev, installed by scripts/bootstrap.sh). `inflateInit2` and `deflateInit2` are
// macros, which Swift cannot call, so they are wrapped here.
#include <zlib.h>

/// Starts inflating a gzip stream (windowBits 15 + 16: gzip header and trailer only).
static inline int descent_inflate_init_gzip(z_stream *stream) {
  return inflateInit2(stream, 15 + 16);
}

/// Starts deflating into a gzip stream at `level` (0–9).
static inline int descent_deflate_init_gzip(z_stream *stream, int level) {
  return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

#endif
