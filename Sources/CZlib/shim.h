#include <zlib.h>

// deflateInit2 is a macro; Swift cannot call macros, so expose it as a function.
static inline int fazt_deflate_init_gzip(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

// inflateInit2 is a macro too; 15 + 32 accepts both zlib and gzip headers.
static inline int fazt_inflate_init_auto(z_stream *stream) {
    return inflateInit2(stream, 15 + 32);
}

// Raw deflate (no zlib or gzip header), for WebSocket permessage-deflate (RFC 7692).
static inline int fazt_deflate_init_raw(z_stream *stream, int level, int window_bits) {
    return deflateInit2(stream, level, Z_DEFLATED, -window_bits, 8, Z_DEFAULT_STRATEGY);
}

static inline int fazt_inflate_init_raw(z_stream *stream) {
    return inflateInit2(stream, -15);
}
