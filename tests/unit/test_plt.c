/*
 * test_plt.c - PLT entry names (analyzer/plt.c) on this test's own
 * executable, which calls libc through its PLT: every entry of .plt is
 * named, the lazy-binding header .plt[0] "[plt]" (never left to the
 * symbol before it, `_init`), and the stub of a libc function this file
 * calls "NAME@plt". Truth: the section headers, read here with libelf.
 */
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/plt.h"
#include "hp_test.h"

struct seen {
	uint64_t plt0;            /* .plt's first address */
	int header_named, stubs;
	int puts_stub;
};

static int on_entry(void *ctx, const char *name, uint64_t start, uint64_t size)
{
	struct seen *s = ctx;
	CHECK(size == 8 || size == 16);
	if (start == s->plt0)
		s->header_named = !strcmp(name, PLT_LAZY_NAME);
	if (strstr(name, "@plt"))
		s->stubs++;
	if (!strcmp(name, "puts@plt"))
		s->puts_stub = 1;
	return 0;
}

static uint64_t section_start(Elf *elf, const char *want)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	if (elf_getshdrstrndx(elf, &shstrndx))
		return 0;
	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && !strcmp(elf_strptr(elf, shstrndx, sh.sh_name), want))
			return sh.sh_addr;
	return 0;
}

int main(void)
{
	puts("test_plt: calls puts through the PLT");
	elf_version(EV_CURRENT);
	int fd = open("/proc/self/exe", O_RDONLY);
	CHECK(fd >= 0);
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	CHECK(elf != NULL);
	struct seen s = { .plt0 = section_start(elf, ".plt") };
	if (!s.plt0)
		SKIP("this executable has no .plt section (linked without one)");
	CHECK_EQ_INT(plt_each(elf, 0, on_entry, &s), 0);
	CHECK(s.header_named);
	CHECK(s.stubs >= 1);
	CHECK(s.puts_stub || section_start(elf, ".plt.sec"));  /* IBT: puts@plt is in .plt.sec */
	elf_end(elf);
	close(fd);
	return hp_test_result();
}
