/*
 * fuzz_ehframe.c - libFuzzer target over collector/ehframe.c, the indexer
 * of .eh_frame sections of files without .eh_frame_hdr (static binaries).
 * The input is the section's bytes (read from an ELF file, untrusted);
 * its address and segbase are fixed. Every entry of the table is checked
 * to point inside the section. The same bytes as a .debug_frame (a Go
 * program's, untrusted too) go through ehframe_from_debug_frame, whose
 * output is indexed and has a stack ended at an address of each FDE.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collector/ehframe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint64_t vaddr = 0x4a0000;
	struct hp_eh_entry *t;
	size_t n;
	uint8_t *copy = malloc(size ? size : 1);   /* exact size: ASan sees overreads */
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (!ehframe_index(copy, size, vaddr, vaddr, &t, &n)) {
		for (size_t i = 0; i < n; i++)
			if (t[i].fde < 0 || (uint64_t)t[i].fde >= size ||
			    (i && t[i].loc <= t[i - 1].loc))
				abort();        /* an FDE outside the section, or unsorted */
		free(t);
	}
	uint8_t *eh;
	size_t ehsize;
	if (!ehframe_from_debug_frame(copy, size, vaddr, &eh, &ehsize)) {
		if (!ehframe_index(eh, ehsize, vaddr, vaddr, &t, &n)) {
			for (size_t i = 0; i < n; i++) {
				if (t[i].fde < 0 || (uint64_t)t[i].fde >= ehsize)
					abort();
				ehframe_end_stack_at(eh, ehsize, vaddr, (uint64_t)((int64_t)vaddr + t[i].loc));
			}
			free(t);
		}
		free(eh);
	}
	free(copy);
	return 0;
}
