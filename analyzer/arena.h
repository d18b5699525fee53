/*
 * arena.h - a bump allocator for the analyzer's strings and other
 * write-once data (the stack model's names and frames, a diff's rows, the
 * symbolizer's interned names).
 *
 * Memory comes in chunks of 64 KiB (a larger request gets a chunk of its
 * own); nothing is freed alone, everything at once by arena_release. A
 * pointer handed out stays valid until then: the arena never moves data.
 */
#ifndef HP_ARENA_H
#define HP_ARENA_H

#include <stddef.h>

struct hp_arena_chunk;

struct hp_arena {
	struct hp_arena_chunk *head;  /* newest chunk first */
};

/* An empty arena (equivalent to zero-filled). */
void arena_init(struct hp_arena *a);
/* Frees every chunk; the arena is empty (and usable) again. */
void arena_release(struct hp_arena *a);

/* n bytes aligned for any scalar type, uninitialized; NULL on ENOMEM.
 * Owned by the arena. */
void *arena_alloc(struct hp_arena *a, size_t n);
/* A copy of s in the arena; NULL when s is NULL or on ENOMEM. */
char *arena_strdup(struct hp_arena *a, const char *s);

#endif
