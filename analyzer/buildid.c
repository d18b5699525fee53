/*
 * buildid.c - a module's build id in hex, compared with a recorded one
 * (buildid.h).
 */
#include "analyzer/buildid.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

void buildid_hex(Dwfl_Module *dm, char *out, size_t size)
{
	const unsigned char *bits;
	GElf_Addr where;
	int len = dwfl_module_build_id(dm, &bits, &where);
	out[0] = '\0';
	for (int i = 0; i < len && 2 * (size_t)i + 2 < size; i++)
		snprintf(out + 2 * i, 3, "%02x", bits[i]);
}

int buildid_matches(Dwfl_Module *dm, const char *hex)
{
	const unsigned char *bits;
	GElf_Addr where;
	int len = dwfl_module_build_id(dm, &bits, &where);
	if (!hex || !hex[0] || len <= 0)
		return 1;
	if (strlen(hex) != 2 * (size_t)len)
		return 0;
	for (int i = 0; i < len; i++) {
		char byte[3];
		snprintf(byte, sizeof(byte), "%02x", bits[i]);
		if (strncasecmp(byte, hex + 2 * i, 2))
			return 0;
	}
	return 1;
}
