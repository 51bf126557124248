#include <malloc.h>
#include <sys/mman.h>

// MADV_PAGEOUT arrived in Linux 5.4; older headers lack the constant.
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
static inline int fazt_madv_pageout(void) { return MADV_PAGEOUT; }
