/*
 * ehframe.c - index the FDEs of an .eh_frame section into the search table
 * of .eh_frame_hdr (ehframe.h), for files linked without the header.
 *
 * The format is the LSB's (Linux Standard Base Core, "Exception Frames"):
 * a sequence of CIEs and FDEs, each a length (32 bits, or 0xffffffff and
 * 64 bits), then an id: 0 for a CIE, else the distance back to the FDE's
 * CIE. A CIE's augmentation string says ('z' ... 'R') how its FDEs encode
 * their initial location (DW_EH_PE_*); what matters here is only that
 * location and where the FDE starts. A zero length ends the section.
 */
#include "collector/ehframe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/grow.h"

enum {
	PE_absptr = 0x00, PE_uleb128 = 0x01, PE_udata2 = 0x02, PE_udata4 = 0x03,
	PE_udata8 = 0x04, PE_sleb128 = 0x09, PE_sdata2 = 0x0a, PE_sdata4 = 0x0b,
	PE_sdata8 = 0x0c, PE_pcrel = 0x10, PE_datarel = 0x30, PE_aligned = 0x50,
	PE_indirect = 0x80, PE_omit = 0xff,
};

/* A reader over the section: every read is checked against end. */
struct cur {
	const uint8_t *data;
	size_t at, end;
	int bad;
};

static uint64_t get(struct cur *c, size_t n)
{
	uint64_t v = 0;
	if (c->bad || n > c->end - c->at || c->at > c->end) {
		c->bad = 1;
		return 0;
	}
	memcpy(&v, c->data + c->at, n);        /* little-endian, as the module */
	c->at += n;
	return v;
}

static uint64_t uleb(struct cur *c)
{
	uint64_t v = 0;
	for (unsigned shift = 0; !c->bad; shift += 7) {
		uint8_t b = (uint8_t)get(c, 1);
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
	}
	return v;
}

static int64_t sleb(struct cur *c)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b = 0x80;
	while (!c->bad && (b & 0x80)) {
		b = (uint8_t)get(c, 1);
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	}
	if (shift < 64 && (b & 0x40))
		v |= ~0ull << shift;
	return (int64_t)v;
}

/* A pointer encoded with enc at the cursor (vaddr: the address of the
 * section's first byte, for pcrel). Only what .eh_frame uses: absolute or
 * pc-relative values of any size; datarel and the rest are refused. */
static int read_ptr(struct cur *c, uint8_t enc, uint64_t vaddr, uint64_t *out)
{
	uint64_t field = vaddr + c->at, v;
	if (enc == PE_omit || (enc & PE_indirect))
		return -HP_EUNSUPPORTED;
	switch (enc & 0x0f) {
	case PE_absptr: case PE_udata8: case PE_sdata8: v = get(c, 8); break;
	case PE_udata2: v = get(c, 2); break;
	case PE_sdata2: v = (uint64_t)(int64_t)(int16_t)get(c, 2); break;
	case PE_udata4: v = get(c, 4); break;
	case PE_sdata4: v = (uint64_t)(int64_t)(int32_t)get(c, 4); break;
	case PE_uleb128: v = uleb(c); break;
	case PE_sleb128: v = (uint64_t)sleb(c); break;
	default: return -HP_EUNSUPPORTED;
	}
	switch (enc & 0x70) {
	case PE_absptr: break;
	case PE_pcrel: v += field; break;
	default: return -HP_EUNSUPPORTED;
	}
	*out = v;
	return c->bad ? -HP_ECORRUPT : 0;
}

/* Past a CIE's code and data alignments and return address register
 * (a byte in version 1, ULEB128 after). */
static void skip_alignments_ra(struct cur *c, uint8_t version)
{
	uleb(c);
	sleb(c);
	if (version == 1)
		get(c, 1);
	else
		uleb(c);
}

/* The FDE pointer encoding of the CIE that starts (its length field) at
 * cie. */
static int cie_encoding(const uint8_t *data, size_t size, size_t cie, uint64_t vaddr,
			uint8_t *enc)
{
	struct cur c = { data, cie, size, 0 };
	char aug[16];
	size_t n = 0;
	uint64_t len = get(&c, 4);
	if (len == 0xffffffffu)
		len = get(&c, 8);
	if (c.bad || len < 4 || len > size - c.at)
		return -HP_ECORRUPT;
	c.end = c.at + (size_t)len;
	if (get(&c, 4) != 0)
		return -HP_ECORRUPT;            /* not a CIE */
	uint8_t version = (uint8_t)get(&c, 1);
	for (;;) {                              /* augmentation string */
		char ch = (char)get(&c, 1);
		if (c.bad || n == sizeof(aug))
			return -HP_ECORRUPT;
		aug[n++] = ch;
		if (!ch)
			break;
	}
	*enc = PE_absptr;
	if (strstr(aug, "eh"))
		get(&c, 8);
	skip_alignments_ra(&c, version);
	if (aug[0] != 'z')
		return c.bad ? -HP_ECORRUPT : 0;
	uleb(&c);                               /* augmentation data length */
	for (const char *a = aug + 1; *a && !c.bad; a++) {
		uint64_t ignored;
		uint8_t e;
		switch (*a) {
		case 'R': *enc = (uint8_t)get(&c, 1); break;
		case 'L': get(&c, 1); break;
		case 'P':
			e = (uint8_t)get(&c, 1);
			if ((e & 0x70) == PE_aligned || read_ptr(&c, e & 0x7f, vaddr, &ignored))
				return -HP_EUNSUPPORTED;
			break;
		case 'S': case 'B': break;
		default: return -HP_EUNSUPPORTED;
		}
	}
	return c.bad ? -HP_ECORRUPT : 0;
}

static int by_loc(const void *a, const void *b)
{
	const struct hp_eh_entry *x = a, *y = b;
	return (x->loc > y->loc) - (x->loc < y->loc);
}

/* d - segbase as an int32 table value. */
static int rel32(uint64_t d, uint64_t segbase, int32_t *out)
{
	int64_t r = (int64_t)(d - segbase);
	if (r < INT32_MIN || r > INT32_MAX)
		return -HP_EUNSUPPORTED;
	*out = (int32_t)r;
	return 0;
}

int ehframe_index(const uint8_t *data, size_t size, uint64_t vaddr, uint64_t segbase,
		  struct hp_eh_entry **out, size_t *n)
{
	struct hp_eh_entry *v = NULL;
	size_t cap = 0, count = 0, last_cie = SIZE_MAX;
	uint8_t enc = PE_absptr;
	int err = 0;

	for (size_t off = 0; off + 4 <= size;) {
		struct cur c = { data, off, size, 0 };
		uint64_t len = get(&c, 4), loc;
		if (len == 0)
			break;                  /* terminator */
		if (len == 0xffffffffu)
			len = get(&c, 8);
		size_t id_at = c.at;
		if (c.bad || len < 4 || len > size - id_at) {
			err = -HP_ECORRUPT;
			break;
		}
		size_t end = id_at + (size_t)len;
		uint32_t id = (uint32_t)get(&c, 4);
		if (id) {                       /* an FDE: its CIE is id bytes back */
			if (id > id_at) {
				err = -HP_ECORRUPT;
				break;
			}
			size_t cie = id_at - id;        /* where the CIE starts */
			if (cie != last_cie) {
				if ((err = cie_encoding(data, size, cie, vaddr, &enc)))
					break;
				last_cie = cie;
			}
			c.end = end;
			int32_t l, f;
			if ((err = read_ptr(&c, enc, vaddr, &loc)) ||
			    (err = rel32(loc, segbase, &l)) || (err = rel32(vaddr + off, segbase, &f)))
				break;
			if (hp_grow((void **)&v, &cap, count + 1, sizeof(*v))) {
				err = -ENOMEM;
				break;
			}
			v[count++] = (struct hp_eh_entry){ l, f };
		}
		off = end;
	}
	if (err == -HP_ECORRUPT && count)
		err = 0;                        /* keep the FDEs before the damage */
	if (!err && !count)
		err = -ENOENT;
	if (err) {
		free(v);
		return err;
	}
	qsort(v, count, sizeof(*v), by_loc);
	size_t k = 0;
	for (size_t i = 0; i < count; i++)
		if (!k || v[i].loc != v[k - 1].loc)
			v[k++] = v[i];
	*out = v;
	*n = k;
	return 0;
}

int ehframe_merge(const struct hp_eh_entry *a, size_t na, const struct hp_eh_entry *b, size_t nb,
		  struct hp_eh_entry **out, size_t *n)
{
	struct hp_eh_entry *v = malloc((na + nb + 1) * sizeof(*v));
	size_t i = 0, j = 0, k = 0;
	if (!v)
		return -ENOMEM;
	while (i < na || j < nb) {
		if (j == nb || (i < na && a[i].loc <= b[j].loc)) {
			if (j < nb && a[i].loc == b[j].loc)
				j++;              /* the function has both: a's FDE */
			v[k++] = a[i++];
		} else {
			v[k++] = b[j++];
		}
	}
	*out = v;
	*n = k;
	return 0;
}

/* ---- .debug_frame in .eh_frame's layout ------------------------------ */

#define DEBUG_CIE_ID 0xffffffffu
/* The CIEs written: augmentation "zR", FDE pointers pc-relative 8-byte
 * values, so the FDEs' locations move with the module's load bias as
 * .eh_frame's do (a position-independent executable: libunwind adds no
 * bias to an absolute location of a remote table's FDE). */
#define SYNTH_ENC (PE_pcrel | PE_sdata8)

/* One entry of .debug_frame at off: whether a CIE, the bytes its copy
 * gains (*grow: a CIE 4 for "zR" and its data less version 4's two size
 * bytes, an FDE 1 for its augmentation length) and, for a CIE, where its
 * return address register ends (*ra_end). Returns the offset after it, 0
 * at a terminator, or -errno. */
static long debug_entry(const uint8_t *data, size_t size, size_t off, int *is_cie, long *grow,
			size_t *ra_end)
{
	struct cur c = { data, off, size, 0 };
	uint64_t len = get(&c, 4);
	if (c.bad)
		return -HP_ECORRUPT;
	if (len == 0)
		return 0;
	if (len == 0xffffffffu)
		return -HP_EUNSUPPORTED;                /* 64-bit DWARF */
	if (len < 4 || len > size - c.at)
		return -HP_ECORRUPT;
	size_t end = c.at + (size_t)len;
	c.end = end;
	*is_cie = (uint32_t)get(&c, 4) == DEBUG_CIE_ID;
	if (!*is_cie) {
		*grow = 1;
		return len < 4 + 16 ? -HP_ECORRUPT : (long)end;   /* location and range */
	}
	uint8_t version = (uint8_t)get(&c, 1);
	if (get(&c, 1))
		return c.bad ? -HP_ECORRUPT : -HP_EUNSUPPORTED;  /* an augmentation */
	*grow = 4;
	if (version == 4) {
		uint8_t asize = (uint8_t)get(&c, 1), ssize = (uint8_t)get(&c, 1);
		if (c.bad)
			return -HP_ECORRUPT;
		if (asize != 8 || ssize != 0)
			return -HP_EUNSUPPORTED;
		*grow -= 2;
	}
	skip_alignments_ra(&c, version);
	*ra_end = c.at;
	return c.bad ? -HP_ECORRUPT : (long)end;
}

/* The entries' offsets in the output: map[i] for the entry at in[i]. */
struct debug_map {
	size_t *in, *out;
	size_t n, cap, cap2;
};

static long mapped(const struct debug_map *m, size_t in)
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (m->in[mid] < in)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->n && m->in[lo] == in ? (long)m->out[lo] : -1;
}

/* The CIE at in (ending at end, its return address register at ra_end)
 * as .eh_frame's at o: id 0, version 3 for 4, augmentation "zR". */
static void write_cie(const uint8_t *in, size_t end, size_t ra_end, uint32_t len, uint8_t *o)
{
	static const uint8_t aug[] = { 'z', 'R', 0 }, aug_data[] = { 1, SYNTH_ENC };
	int v4 = in[8] == 4;
	size_t from = v4 ? 12 : 10;             /* past version 4's sizes */
	size_t body = ra_end - from;            /* alignments, return address */
	uint32_t id = 0;
	memcpy(o, &len, 4);
	memcpy(o + 4, &id, 4);
	o[8] = v4 ? 3 : in[8];
	memcpy(o + 9, aug, sizeof(aug));
	memcpy(o + 12, in + from, body);
	memcpy(o + 12 + body, aug_data, sizeof(aug_data));
	memcpy(o + 14 + body, in + ra_end, end - ra_end);
}

/* The FDE at in as .eh_frame's at o (served at vaddr), back bytes after
 * its CIE: its location pc-relative, an empty augmentation. */
static void write_fde(const uint8_t *in, size_t end, uint32_t len, uint32_t back, uint64_t vaddr,
		      uint8_t *o)
{
	uint64_t loc;
	memcpy(&loc, in + 8, 8);
	loc -= vaddr + 8;                       /* relative to the field */
	memcpy(o, &len, 4);
	memcpy(o + 4, &back, 4);
	memcpy(o + 8, &loc, 8);
	memcpy(o + 16, in + 16, 8);             /* the range */
	o[24] = 0;                              /* augmentation length */
	memcpy(o + 25, in + 24, end - 24);
}

static int debug_write(const uint8_t *data, size_t size, const struct debug_map *m,
		       uint64_t vaddr, uint8_t *o)
{
	for (size_t i = 0; i < m->n; i++) {
		size_t at = m->in[i], to = m->out[i], ra_end = 0;
		int cie;
		long grow;
		long end = debug_entry(data, size, at, &cie, &grow, &ra_end);
		uint32_t len, id;
		memcpy(&len, data + at, 4);
		memcpy(&id, data + at + 4, 4);
		len = (uint32_t)((long)len + grow);
		if (cie) {
			write_cie(data + at, (size_t)end - at, ra_end - at, len, o + to);
			continue;
		}
		long cie_to = mapped(m, id);
		if (cie_to < 0 || memcmp(data + id + 4, "\xff\xff\xff\xff", 4))
			return -HP_ECORRUPT;            /* not a CIE's offset */
		if ((size_t)cie_to > to)
			return -HP_EUNSUPPORTED;        /* a CIE after its FDE: no .eh_frame form */
		write_fde(data + at, (size_t)end - at, len, (uint32_t)(to + 4 - (size_t)cie_to),
			  vaddr + to, o + to);
	}
	return 0;
}

int ehframe_from_debug_frame(const uint8_t *data, size_t size, uint64_t vaddr, uint8_t **out,
			     size_t *outsize)
{
	struct debug_map m = { 0 };
	size_t total = 0, fdes = 0;
	long next;
	int err = 0, cie;
	for (size_t off = 0; off + 4 <= size && !err; off = (size_t)next) {
		size_t ra_end;
		long grow;
		if ((next = debug_entry(data, size, off, &cie, &grow, &ra_end)) <= 0) {
			err = (int)next;
			break;
		}
		if (hp_grow((void **)&m.in, &m.cap, m.n + 1, sizeof(size_t)) ||
		    hp_grow((void **)&m.out, &m.cap2, m.n + 1, sizeof(size_t))) {
			err = -ENOMEM;
			break;
		}
		m.in[m.n] = off;
		m.out[m.n++] = total;
		total += (size_t)((long)((size_t)next - off) + grow);
		fdes += !cie;
	}
	uint8_t *o = err ? NULL : calloc(1, total + 4);       /* + the terminator */
	if (!err && !fdes)
		err = -ENOENT;
	else if (!err && !o)
		err = -ENOMEM;
	if (!err)
		err = debug_write(data, size, &m, vaddr, o);
	free(m.in);
	free(m.out);
	if (err) {
		free(o);
		return err;
	}
	*out = o;
	*outsize = total + 4;
	return 0;
}

int ehframe_end_stack_at(uint8_t *data, size_t size, uint64_t vaddr, uint64_t addr)
{
	for (size_t off = 0; off + 8 <= size;) {
		struct cur c = { data, off, size, 0 };
		uint64_t len = get(&c, 4);
		if (!len || len == 0xffffffffu || len > size - c.at)
			break;
		size_t id_at = c.at, end = id_at + (size_t)len;
		uint32_t id = (uint32_t)get(&c, 4);
		c.end = end;
		if (id && id <= id_at && id_at - id + 12 < size) {
			const uint8_t *cie_aug = data + id_at - id + 9;  /* after length, id, version */
			uint64_t loc = vaddr + c.at, range;
			loc += get(&c, 8);
			range = get(&c, 8);
			if (!c.bad && addr >= loc && addr - loc < range) {
				if (memcmp(cie_aug, "zR", 3) || get(&c, 1) || c.bad)
					return -HP_EUNSUPPORTED;   /* not written by this file */
				if (end - c.at < 2)
					return -ENOENT;
				memset(data + c.at, 0, end - c.at);       /* DW_CFA_nop */
				data[c.at] = 0x07;                        /* DW_CFA_undefined */
				data[c.at + 1] = 16;                      /* x86-64's return address */
				return 0;
			}
		}
		off = end;
	}
	return -ENOENT;
}
