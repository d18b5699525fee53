/*
 * mapfile.h - the file a mapping record names, when its name no longer
 * opens it.
 *
 * A record is read some milliseconds after its mmap, and a file can be
 * gone from its name by then: a program that deleted itself, a library
 * upgraded or a program rebuilt under a run (the name now opens another
 * file: its symbols would name these frames), or a memfd that has no
 * name at all (fexecve). perf names such a module and leaves its frames
 * as raw addresses. While the process lives its mapping still reaches
 * the file: /proc/PID/map_files/START-END (root, or CAP_CHECKPOINT_RESTORE)
 * or, for its program, /proc/PID/exe (its owner). The file is opened
 * there, checked to be the record's (inode), and held (common/heldfile.h)
 * under the kernel's name for it, "NAME (deleted)", so that it is
 * unwound and named like any other module.
 */
#ifndef HP_MAPFILE_H
#define HP_MAPFILE_H

#include <stddef.h>
#include <stdint.h>

struct hp_mapfiles;

int mapfiles_new(struct hp_mapfiles **out);
void mapfiles_free(struct hp_mapfiles *mf);

/* The name to read pid's mapping [start, end) of path by, whose record
 * gave device maj:min and inode ino (0: not known): path itself when it
 * opens as that file, or when the file cannot be reached another way;
 * else the name it is held under (mf's, valid until mapfiles_free). A
 * name whose file differs on another device than the record's is taken
 * as the file (overlayfs and btrfs report other devices than the
 * records). Each (path, inode) is checked once. */
const char *mapfiles_name(struct hp_mapfiles *mf, uint32_t pid, const char *path,
			  uint64_t start, uint64_t end, uint32_t maj, uint32_t min, uint64_t ino);

#endif
