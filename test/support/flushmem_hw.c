// SPDX-License-Identifier: MIT
/*
 * flushmem_hw.c - the hardware's side of flushmem.h: walks that read what
 * a non-coherent walker reads, and hardware writes that reach the CPU.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "flushmem.h"
#include "genpt/hw.h"

void fm_snap_take(const struct fm_prov *p, struct fm_snap *s, bool memory)
{
	s->n = p->n;
	s->b = malloc((p->n + 1) * sizeof(*s->b));
	s->data = malloc((p->n + 1) * sizeof(*s->data));
	cr_assert(s->b && s->data);
	for (size_t i = 0; i < p->n; i++) {
		s->b[i] = p->b[i];
		s->data[i] = malloc(p->b[i].size);
		cr_assert_not_null(s->data[i]);
		memcpy(s->data[i], memory ? fm_mem(p, p->b[i].pa) : fm_cpu(p, p->b[i].pa),
		       p->b[i].size);
	}
}

void fm_snap_free(struct fm_snap *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->data[i]);
	free(s->data);
	free(s->b);
	memset(s, 0, sizeof(*s));
}

uint64_t fm_snap_changed_word(const struct fm_prov *p, const struct fm_snap *s)
{
	uint64_t at = 0;
	unsigned int changed = 0;

	for (size_t i = 0; i < s->n; i++) {
		const uint64_t *now = fm_cpu(p, s->b[i].pa);

		for (size_t j = 0; j < s->b[i].size / 8; j++) {
			uint64_t was;

			memcpy(&was, s->data[i] + 8 * j, 8);
			if (was != now[j]) {
				changed++;
				at = s->b[i].pa + 8 * j;
			}
		}
	}
	return changed == 1 ? at : 0;
}

void fm_hw_begin(struct fm_prov *p, struct fm_snap *s)
{
	fm_snap_take(p, s, true);
	p->walker_view = true;
}

/* Hardware wrote memory; the CPU sees it (no stale line to invalidate). */
void fm_hw_end(struct fm_prov *p, struct fm_snap *s)
{
	p->walker_view = false;
	for (size_t i = 0; i < s->n; i++) {
		const uint64_t *mem = fm_mem(p, s->b[i].pa);
		uint64_t *cpu = fm_cpu(p, s->b[i].pa);

		for (size_t j = 0; j < s->b[i].size / 8; j++) {
			uint64_t was;

			memcpy(&was, s->data[i] + 8 * j, 8);
			if (mem[j] != was)
				cpu[j] = mem[j];
		}
	}
	fm_snap_free(s);
}

int fm_hw_access(struct fm_prov *p, struct genpt *pt, uint64_t iova,
		 unsigned int access, uint64_t *oa)
{
	struct fm_snap s;
	uint64_t oa_cpu = 0, oa_mem = 0;
	int err_cpu, err_mem;

	err_cpu = genpt_hw_access(pt, iova, access, &oa_cpu);
	fm_hw_begin(p, &s);
	err_mem = genpt_hw_access(pt, iova, access, &oa_mem);
	fm_hw_end(p, &s);
	cr_expect(err_cpu == err_mem && oa_cpu == oa_mem,
		  "access %u at %#llx: CPU view %d -> %#llx, walker view %d -> %#llx",
		  access, (unsigned long long)iova, err_cpu, (unsigned long long)oa_cpu,
		  err_mem, (unsigned long long)oa_mem);
	if (oa)
		*oa = oa_mem;
	return err_mem;
}

static void *fm_walker_p2v(void *ctx, uint64_t pa)
{
	return fm_mem(ctx, pa);
}

const struct genpt_mem_ops fm_walker_ops = { .phys_to_virt = fm_walker_p2v };

/* One register access of the model (@write: of @wv, else a read into
 * @rv), bracketed by fm_hw_begin() / fm_hw_end(); a write may ring it
 * (fm_ring()). */
static int fm_mmio_access(void *ctx, uint32_t off, unsigned int size, bool write, uint64_t *rv,
			  uint64_t wv)
{
	struct fm_mmio *m = ctx;
	struct fm_snap s;
	int err;

	if (write)
		fm_ring(m->p);
	fm_hw_begin(m->p, &s);
	if (write)
		err = m->inner->write(m->inner_ctx, off, size, wv);
	else
		err = m->inner->read(m->inner_ctx, off, size, rv);
	fm_hw_end(m->p, &s);
	return err;
}

static int fm_mmio_read(void *ctx, uint32_t off, unsigned int size, uint64_t *v)
{
	return fm_mmio_access(ctx, off, size, false, v, 0);
}

static int fm_mmio_write(void *ctx, uint32_t off, unsigned int size, uint64_t v)
{
	return fm_mmio_access(ctx, off, size, true, NULL, v);
}

const struct genpt_rv_mmio_ops fm_mmio_ops = { .read = fm_mmio_read,
					       .write = fm_mmio_write };
