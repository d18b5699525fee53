/*
 * buildid.h - a libdwfl module's GNU build id as lowercase hex, and whether
 * it is the one a profile recorded (symbolization and the machine-code
 * view both refuse a binary rebuilt since the run).
 */
#ifndef HP_BUILDID_H
#define HP_BUILDID_H

#include <stddef.h>

#include <elfutils/libdwfl.h>

/* The module's build id in hex into out (size >= 3), "" when it has none;
 * an id longer than out holds is cut to whole bytes. */
void buildid_hex(Dwfl_Module *dm, char *out, size_t size);

/* 1 unless both build ids are known and differ (hex as buildid_hex writes
 * it, any case; NULL or "" is unknown). */
int buildid_matches(Dwfl_Module *dm, const char *hex);

#endif
