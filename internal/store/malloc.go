package store

// SQLite allocates with the C library's malloc, and Go runs cgo calls on
// whichever OS thread is free. glibc gives threads arenas of their own, up
// to eight per core, and an arena keeps the pages its thread freed: after
// reports over 100,000 incidents that was some 30 MB of the server's
// memory. One writer and a few readers need no more than two. glibc fixes
// the number of arenas at the first one it makes, before any Go code runs,
// so the limit is set by a constructor, as MALLOC_ARENA_MAX=2 would set it.

/*
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
__attribute__((constructor)) static void aftermathLimitMallocArenas(void) {
	mallopt(M_ARENA_MAX, 2);
}
#endif
*/
import "C"
