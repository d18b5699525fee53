/*
 * grow.c - doubling growth of heap arrays (grow.h).
 */
#include "common/grow.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int hp_grow(void **v, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap : 16;
	/* the doubling and the byte count never wrap (a wrapped capacity
	 * once made a loop that never ended) */
	if (!elem || need > SIZE_MAX / 2 / elem)
		return -ENOMEM;
	while (ncap < need)
		ncap *= 2;
	void *nv = realloc(*v, ncap * elem);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

int hp_grow_zero(void **v, size_t *cap, size_t need, size_t elem)
{
	size_t old = *cap;
	int err = hp_grow(v, cap, need, elem);
	if (!err && *cap > old)
		memset((char *)*v + old * elem, 0, (*cap - old) * elem);
	return err;
}
