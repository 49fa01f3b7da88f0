/* SPDX-License-Identifier: MIT */
/*
 * genpt/riscv_iommu_model.h - a software RISC-V IOMMU (specification v1.0),
 * part of the hardware side (libgenpt_hw).
 *
 * The model (genpt_rviommu_*) walks the structures a real RISC-V IOMMU walks
 * - the device directory (DDT), process directories (PDT), first-stage and
 * G-stage page tables, MSI page tables - in memory reached only through a
 * struct genpt_mem_ops (phys_to_virt), e.g. a genpt_physmem.  It has the
 * memory-mapped registers at their specification offsets, processes the
 * command queue when the tail is written, reports faults in the fault queue,
 * caches device contexts and translations, and updates A/D bits in page
 * tables atomically.  It decodes every entry from the specification on its
 * own (it shares no code with the table engine), so that a device writing
 * through it checks the engine's tables and its dirty harvest end to end.
 *
 * Conventions: functions return 0 (or a documented non-negative value) or a
 * negative errno.  NULL arguments give -EINVAL.
 *
 * Threads: genpt_rviommu_translate() and genpt_rviommu_dma() may be called
 * from any number of threads at once (devices doing DMA in parallel), also
 * while registers are written, commands run and the engine edits or harvests
 * the tables.  Register accesses are serialized inside the model.
 */
#ifndef GENPT_RISCV_IOMMU_MODEL_H
#define GENPT_RISCV_IOMMU_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "genpt/export.h"
#include "genpt/mem.h"
#include "genpt/riscv_iommu_regs.h"
#include "genpt/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * GENPT_RVI_CAPS_MODEL - every capability the model implements: version
 * 1.0, Sv39/48/57, Svpbmt, Sv39x4/48x4/57x4, MSI_FLAT (extended device
 * contexts and basic-mode MSI page tables), AMO_HWAD, interrupt generation
 * by MSI or wire, a 56-bit physical address space, PD8/PD17/PD20.
 * A configuration may ask for any subset of these (and any PAS up to 56).
 */
#define GENPT_RVI_CAPS_MODEL                                                  \
	(0x10ull | GENPT_RVI_CAP_SV39 | GENPT_RVI_CAP_SV48 | GENPT_RVI_CAP_SV57 | \
	 GENPT_RVI_CAP_SVPBMT | GENPT_RVI_CAP_SV39X4 | GENPT_RVI_CAP_SV48X4 |     \
	 GENPT_RVI_CAP_SV57X4 | GENPT_RVI_CAP_MSI_FLAT | GENPT_RVI_CAP_AMO_HWAD | \
	 GENPT_RVI_CAP_IGS_BOTH | GENPT_RVI_CAP_PAS(56) | GENPT_RVI_CAP_PD8 |     \
	 GENPT_RVI_CAP_PD17 | GENPT_RVI_CAP_PD20)

/* ------------------------------------------------------------------------
 * The model
 * ---------------------------------------------------------------------- */

/** struct genpt_rviommu - opaque software RISC-V IOMMU. */
struct genpt_rviommu;

/**
 * enum genpt_rviommu_mem_what - what a memory access of the IOMMU is for
 * (struct genpt_rviommu_access).
 */
enum genpt_rviommu_mem_what {
	GENPT_RVIOMMU_MEM_DDT = 1, /* a DDT entry or a device context */
	GENPT_RVIOMMU_MEM_PDT,     /* a PDT entry or a process context */
	GENPT_RVIOMMU_MEM_FS_PTE,  /* a first-stage PTE read */
	GENPT_RVIOMMU_MEM_GS_PTE,  /* a G-stage PTE read */
	GENPT_RVIOMMU_MEM_MSI_PTE, /* an MSI page table entry */
	GENPT_RVIOMMU_MEM_AD,      /* an A/D update (compare-and-swap of a PTE) */
	GENPT_RVIOMMU_MEM_DATA,    /* a page of genpt_rviommu_dma() data */
	GENPT_RVIOMMU_MEM_QUEUE,   /* a command read, a fault record or an
				    * IOFENCE.C completion write */
};

/** enum genpt_rviommu_mem_op - the kind of a memory access. */
enum genpt_rviommu_mem_op {
	GENPT_RVIOMMU_MEM_READ = 1,
	GENPT_RVIOMMU_MEM_WRITE,
	GENPT_RVIOMMU_MEM_AMO,
};

/** enum genpt_rviommu_mem_verdict - what a memory hook decides. */
enum genpt_rviommu_mem_verdict {
	GENPT_RVIOMMU_MEM_PROCEED = 0, /* the access happens */
	GENPT_RVIOMMU_MEM_ACCESS_FAULT, /* it violates a PMA/PMP check */
	GENPT_RVIOMMU_MEM_CORRUPT,     /* it returns corrupted (poisoned) data */
};

/**
 * struct genpt_rviommu_access - one memory access the IOMMU makes, as a
 * memory hook sees it.
 *
 * @what:      GENPT_RVIOMMU_MEM_*: the structure accessed.
 * @op:        GENPT_RVIOMMU_MEM_READ / _WRITE / _AMO.
 * @pa:        the supervisor-physical address (after the G-stage for
 *             PDT and first-stage structures).
 * @size:      bytes: 8 for directory entries and PTEs, 16 for a process
 *             context or an MSI PTE, 32 or 64 for a device context, up to
 *             4096 for data.
 * @device_id: the requester whose translation made the access.
 */
struct genpt_rviommu_access {
	enum genpt_rviommu_mem_what what;
	enum genpt_rviommu_mem_op op;
	uint64_t pa;
	unsigned int size;
	uint32_t device_id;
};

/**
 * typedef genpt_rviommu_mem_hook - called before each access, from the thread
 * translating (so concurrently when translations run in parallel); must
 * not call back into the model.  Returns a GENPT_RVIOMMU_MEM_* verdict.
 */
typedef enum genpt_rviommu_mem_verdict (*genpt_rviommu_mem_hook)(
	void *ctx, const struct genpt_rviommu_access *a);

/**
 * struct genpt_rviommu_config - what genpt_rviommu_create() builds.
 *
 * @capabilities:    the capabilities register value, specification layout;
 *                   it reads back unchanged.  0 = GENPT_RVI_CAPS_MODEL.
 *                   ATS and T2GPA may be asked for (the default leaves
 *                   them out): translated requests, ATS Translation
 *                   Requests and ATS.INVAL then work (no page-request
 *                   queue: its registers read 0).
 *                   Bits of features the model does not implement (Sv32,
 *                   Sv32x4, AMO_MRIF, MSI_MRIF, END, HPM, DBG,
 *                   QOSID, reserved and custom bits), IGS 3, or a PAS that
 *                   is 0 or above 56 give -EINVAL.
 * @iotlb_entries:   IOTLB capacity in translations (0 = 512).  Rounded up
 *                   to a multiple of the number of IOTLB shards (16).
 * @dc_cache_entries: device-directory cache capacity in device and process
 *                   contexts (0 = 64).
 * @mem_hook:        optional: called before every memory access a
 *                   translation makes (DDT, PDT, first-stage and G-stage
 *                   PTEs, MSI PTEs, A/D updates) and before each page of
 *                   genpt_rviommu_dma() data, in walk order, so that an
 *                   embedder can trace a walk and inject an access fault or
 *                   corrupted data at a chosen address.  An access fault
 *                   reports what a PMA/PMP violation reports there (257,
 *                   265, 261, or 1/5/7 for page-table accesses); corrupt
 *                   data reports the specification's data-corruption cause
 *                   (268 DDT, 269 PDT, 270 MSI PT, 274 first/second-stage
 *                   PT).  Either on data fails the DMA (-EFAULT, -EIO)
 *                   without a fault record.  Cached structures are not
 *                   accessed again, so they are not seen.  Queue
 *                   accesses (device_id 0: command reads, fault-record
 *                   and IOFENCE.C completion writes) are hooked too;
 *                   either verdict there is a queue memory fault (cqmf,
 *                   or fqmf with the record dropped).
 * @mem_hook_ctx:    its first argument.
 */
struct genpt_rviommu_config {
	uint64_t capabilities;
	unsigned int iotlb_entries;
	unsigned int dc_cache_entries;
	genpt_rviommu_mem_hook mem_hook;
	void *mem_hook_ctx;
};

/**
 * genpt_rviommu_create() - a RISC-V IOMMU in reset state.
 * @cfg:     capabilities and cache sizes; NULL for all defaults.
 * @mem:     the memory provider every structure is reached through; must
 *           have phys_to_virt (the other callbacks are not used).
 * @mem_ctx: its context.
 * @out:     receives the new IOMMU.
 *
 * Every structure the IOMMU reads or writes - DDT, PDT, page tables, MSI
 * page tables, command and fault queues, IOFENCE.C completion words, and
 * DMA data - is reached through @mem.  The model keeps @mem and @mem_ctx;
 * they must outlive it.
 *
 * Reset state (spec "Reset behavior"): ddtp.iommu_mode Off (all inbound
 * transactions disallowed), queues off, ipsr 0, caches empty.  fctl.WSI
 * reads 1 when capabilities.IGS is WSI, else 0.
 *
 * Return: 0, or a negative errno (*@out unchanged).
 * -EINVAL: bad arguments or capabilities the model does not implement.
 * -ENOMEM: out of memory.
 */
GENPT_API int genpt_rviommu_create(const struct genpt_rviommu_config *cfg,
				   const struct genpt_mem_ops *mem, void *mem_ctx,
				   struct genpt_rviommu **out);

/**
 * genpt_rviommu_destroy() - free the model (not the memory it walked).
 * @iommu: the IOMMU, or NULL (a no-op).
 */
GENPT_API void genpt_rviommu_destroy(struct genpt_rviommu *iommu);

/**
 * genpt_rviommu_reg_read() - read a register.
 * @iommu:  the IOMMU.
 * @offset: byte offset in the 4 KiB register page (GENPT_RVI_REG_*).
 * @size:   4 or 8 bytes.
 * @value:  receives the value (zero-extended for 4 bytes).
 *
 * Optional registers whose capability is absent (page-request queue, HPM,
 * debug, QoS) and reserved or custom offsets read 0.
 *
 * Return: 0, or a negative errno.
 * -EINVAL: an access the specification leaves UNSPECIFIED: a size other
 *          than 4 or 8, an offset not aligned to the size, beyond the
 *          4 KiB register page, or an access spanning two registers (a
 *          4-byte access to either half of an 8-byte register is fine);
 *          or a NULL argument.
 */
GENPT_API int genpt_rviommu_reg_read(struct genpt_rviommu *iommu,
				     uint32_t offset, unsigned int size,
				     uint64_t *value);

/**
 * genpt_rviommu_reg_write() - write a register.
 * @iommu:  the IOMMU.
 * @offset: byte offset in the 4 KiB register page (GENPT_RVI_REG_*).
 * @size:   4 or 8 bytes.
 * @value:  the value (its low 32 bits for 4 bytes).
 *
 * Fields behave as the specification says: read-only fields and registers
 * ignore writes; RW1C status bits clear on 1; WARL fields keep only legal
 * values (ddtp keeps its old mode when a reserved mode is written;
 * fctl.BE and GXL stay 0, WSI follows capabilities.IGS; cqt and fqh keep
 * only LOG2SZ-1:0; reserved bits read 0).  Enabling a queue (cqen/fqen 0
 * -> 1) zeroes its head/tail and its error bits and turns it on at once
 * (busy is hard-wired to 0).  Writing cqt (or cqcsr, when it leaves the
 * queue on and error-free) processes every command between cqh and cqt
 * before returning; an illegal or unsupported command sets cqcsr.cmd_ill
 * and stops the queue with cqh on it, a memory fault sets cqmf.  Writing
 * ddtp does not invalidate any cache (software must use IODIR, as the spec
 * requires).
 *
 * Return: 0, or a negative errno.
 * -EINVAL: as for genpt_rviommu_reg_read().
 */
GENPT_API int genpt_rviommu_reg_write(struct genpt_rviommu *iommu,
				      uint32_t offset, unsigned int size,
				      uint64_t value);

/* genpt_rviommu_req.type */
#define GENPT_RVIOMMU_REQ_UNTRANSLATED 0u
#define GENPT_RVIOMMU_REQ_TRANSLATED 1u /* an address an ATS completion gave */
#define GENPT_RVIOMMU_REQ_ATS 2u        /* a PCIe ATS Translation Request */

/* genpt_rviommu_rsp.ats_status: the ATS completion's status */
#define GENPT_RVIOMMU_ATS_SUCCESS 0u
#define GENPT_RVIOMMU_ATS_UR 1u /* Unsupported Request */
#define GENPT_RVIOMMU_ATS_CA 2u /* Completer Abort */

/**
 * struct genpt_rviommu_req - one inbound transaction.
 *
 * @device_id:  requester (24 bits).
 * @process_id: PASID (20 bits), used when @pid_valid.
 * @pid_valid:  the request carries a process_id.
 * @iova:       the address (an IOVA, or a GPA when the first stage is Bare).
 * @access:     GENPT_ACCESS_READ / WRITE / EXEC (read for execute).
 * @priv:       supervisor privilege requested (only with @pid_valid, as a
 *              PCIe PASID prefix carries it).
 * @type:       GENPT_RVIOMMU_REQ_UNTRANSLATED (0), _TRANSLATED (@iova is
 *              an SPA, or a GPA when DC.tc.T2GPA) or _ATS (a Translation
 *              Request: @access WRITE asks for write permission (No-Write
 *              0), READ for read only, EXEC for read and execute).
 */
struct genpt_rviommu_req {
	uint32_t device_id;
	uint32_t process_id;
	bool pid_valid;
	uint64_t iova;
	unsigned int access;
	bool priv;
	unsigned int type;
};

/* Bits of genpt_rviommu_rsp.perm. */
#define GENPT_RVIOMMU_PERM_R 0x1u
#define GENPT_RVIOMMU_PERM_W 0x2u
#define GENPT_RVIOMMU_PERM_X 0x4u

/**
 * struct genpt_rviommu_rsp - the outcome of genpt_rviommu_translate(): what
 * the IOMMU decided, as hardware knows it.
 *
 * @cause:      0 on success, else the fault CAUSE (GENPT_RVI_CAUSE_*).
 * @pa:         translated physical address, page offset included (0 on a
 *              fault).
 * @page_shift: log2 of the translation's size: the smaller of the
 *              first-stage and G-stage leaves (12, 16 for Svnapot, 21, 30,
 *              39, 48); 12 for Bare and MSI translations; 0 on a fault.
 * @pbmt:       memory type: 0 PMA, 1 NC, 2 IO (Svpbmt; the first stage's
 *              non-zero PBMT overrides the G-stage's).
 * @iotlb_hit:  served from the IOTLB without walking.
 * @perm:       GENPT_RVIOMMU_PERM_R / _W / _X this requester may use
 *              through the translation: both stages' leaves combined (a
 *              Bare stage grants all three), with the first stage's U
 *              rules for the request's privilege applied (a supervisor
 *              request uses U pages only with SUM and never for execute).
 *              An MSI translation grants R and W only.  Always holds the
 *              requested access on success; 0 on a fault.
 * @user:       the first-stage leaf has U (false when the first stage is
 *              Bare, or on a fault).
 * @dirty:      both stages' leaves have D (a Bare stage counts as dirty):
 *              a write through this translation needs no A/D update.
 *              Always true after a successful write; false on a fault.
 * @msi:        an MSI address translation (a flat MSI page table entry
 *              gave @pa; the G-stage was not used).
 * @iotval:     on a fault, the record's iotval: the request's IOVA.
 * @iotval2:    on a fault, the record's iotval2: for a guest-page fault
 *              the GPA (bits 63:2) with bit 0 set when an implicit access
 *              for first-stage translation or the PDT faulted and bit 1
 *              when that access was a write (an A/D update); else 0.
 * @reported:   on a fault, the IOMMU reports it (a record goes to the fault
 *              queue, or is lost when the queue is off, full or in error);
 *              false when DC.tc.DTF suppresses it.  The fields above are
 *              filled either way.
 * @ats_status: for an ATS Translation Request, the completion:
 *              GENPT_RVIOMMU_ATS_SUCCESS with @perm the permissions granted
 *              (0 when the walk met a page fault, guest-page fault, 262 or
 *              266: @cause says which, nothing is reported), @pa the
 *              translated address (the GPA with DC.tc.T2GPA) and
 *              @page_shift; _UR for causes 256-260 and 268, _CA for the
 *              others (reported as faults with TTYP 8).  0 otherwise.
 */
struct genpt_rviommu_rsp {
	unsigned int cause;
	uint64_t pa;
	unsigned int page_shift;
	unsigned int pbmt;
	bool iotlb_hit;
	unsigned int perm;
	bool user;
	bool dirty;
	bool msi;
	uint64_t iotval;
	uint64_t iotval2;
	bool reported;
	unsigned int ats_status;
};

/**
 * genpt_rviommu_translate() - translate one transaction as the IOMMU does.
 * @iommu: the IOMMU.
 * @req:   the request: device, process id, address, access, privilege.
 * @rsp:   receives the outcome: the fault cause (0 on success), the
 *         physical address, the page size, the memory type, the
 *         permissions granted, and for a fault what its record holds.
 *
 * Follows the specification's "Process to translate an IOVA": ddtp mode,
 * device context (from the cache or the DDT, with every configuration
 * check), process context (PDT), first stage, MSI address translation,
 * G-stage; A/D updates with an atomic compare-and-swap of the whole PTE when
 * DC.tc.SADE/GADE allow them.  On a fault the record (CAUSE, TTYP, DID,
 * PV/PID/PRIV, iotval = IOVA, iotval2 = GPA and implicit-access bits for
 * guest-page faults) goes to the fault queue when it is on, unless DC.tc.DTF
 * suppresses it.  Thread safe, also beside edits of the tables it walks:
 * every entry is read with an acquire load, and an IOFENCE.C that begins
 * while the walk runs completes only after it (as on hardware, a completed
 * invalidation leaves no walk reading what it covered), so a gather is
 * safe to release once the IOTINVAL for its range and an IOFENCE.C after
 * it completed (what the genpt_rvdrv_* calls do).
 *
 * An ATS Translation Request (@req->type GENPT_RVIOMMU_REQ_ATS) walks as a
 * write when it asks for write permission, so A and D are set in both
 * stages' leaves when the page is writable (the privileged spec's rule for
 * a store: the completion grants W, and a later translated write sets no
 * D); when the page is not writable it walks again as a read (A only, W not
 * granted).  A read-only request never grants W.  X is granted only with R
 * and when asked for.  A translated request needs DC.tc.EN_ATS and is not
 * translated again unless DC.tc.T2GPA (then it goes through the G-stage).
 *
 * Return: 0 when the transaction was processed, whether it faulted or not
 * (see @rsp->cause), or a negative errno.
 * -EINVAL: bad arguments (NULL, unknown access or type, a device_id above
 *          24 bits, a process_id above 20 bits, @req->priv without
 *          @req->pid_valid).
 */
GENPT_API int genpt_rviommu_translate(struct genpt_rviommu *iommu,
				      const struct genpt_rviommu_req *req,
				      struct genpt_rviommu_rsp *rsp);

/**
 * genpt_rviommu_dma() - a device DMA.
 * @iommu:     the IOMMU.
 * @device_id: the requester.
 * @iova:      first address the device accesses.
 * @buf:       the device's data: the source of a write, the destination
 *             of a read.
 * @len:       bytes to move (0 does nothing).
 * @access:    GENPT_ACCESS_WRITE copies @buf to memory; GENPT_ACCESS_READ
 *             and GENPT_ACCESS_EXEC copy memory to @buf.
 *
 * Translates page by page (without a process_id) and copies between @buf
 * and memory with relaxed atomic byte accesses, so concurrent DMA to one
 * page is well defined.  Each translation's data is in memory before an
 * IOFENCE.C that began after the translation was looked up completes: as
 * on hardware, once IOTINVAL + IOFENCE.C are done no transaction still
 * uses a translation they removed (so a harvest's copy holds every write
 * that did not set D again).  Thread safe.
 *
 * Return: 0, or a negative errno.
 * -EFAULT: a translation faulted (the fault is recorded like any other;
 *          the pages before it were transferred), a translated address
 *          is not backed by the memory provider, or the memory hook
 *          returned an access fault for the data.
 * -EIO:    the memory hook returned corrupt data for the data (no fault
 *          record: the translation succeeded).
 * -EINVAL: bad arguments.
 */
GENPT_API int genpt_rviommu_dma(struct genpt_rviommu *iommu, uint32_t device_id,
				uint64_t iova, void *buf, size_t len,
				unsigned int access);

/**
 * struct genpt_rviommu_atc - opaque: a device's address translation cache
 * (PCIe ATS), filled by ATS Translation Requests and emptied by ATS.INVAL
 * commands naming its device_id (entries carry no PASID).
 */
struct genpt_rviommu_atc;

/**
 * genpt_rviommu_atc_create() - give device @device_id an ATC.
 * @iommu:     the IOMMU (capabilities.ATS) it sends requests to.
 * @device_id: the device (24 bits).
 * @entries:   capacity in translations (0 = 64), replaced round-robin.
 * @out:       receives the ATC.
 *
 * Return: 0, or a negative errno (*@out unchanged).
 * -EINVAL: NULL, a device_id above 24 bits, more than 65536 entries, or an
 *          IOMMU without capabilities.ATS.
 * -ENOMEM: out of memory.
 */
GENPT_API int genpt_rviommu_atc_create(struct genpt_rviommu *iommu, uint32_t device_id,
				       unsigned int entries,
				       struct genpt_rviommu_atc **out);

/**
 * genpt_rviommu_atc_destroy() - remove an ATC (before its IOMMU).
 * @atc: the ATC, or NULL (a no-op).
 */
GENPT_API void genpt_rviommu_atc_destroy(struct genpt_rviommu_atc *atc);

/**
 * genpt_rviommu_atc_dma() - a DMA by an ATS device.
 * @atc:    the device's ATC.
 * @iova:   first address.
 * @buf:    the data (source of a write, destination of a read).
 * @len:    bytes (0 does nothing).
 * @access: GENPT_ACCESS_WRITE, _READ or _EXEC.
 *
 * Page by page: a translation the ATC holds with the needed permission is
 * used in a translated request; otherwise an ATS Translation Request (for
 * write permission when writing) fills the ATC first, and a page the
 * completion does not grant is accessed with an untranslated request (which
 * reports the fault).  Like genpt_rviommu_dma(), every page's data is in
 * memory before an IOFENCE.C that began after its ATC lookup completes; an
 * ATS.INVAL racing a Translation Request is not undone by its fill.
 * Thread safe.
 *
 * Return: 0, or a negative errno.
 * -EFAULT: a request faulted (the pages before it were transferred), or
 *          the memory hook failed a data access (-EIO for corrupt data).
 * -EINVAL: bad arguments.
 */
GENPT_API int genpt_rviommu_atc_dma(struct genpt_rviommu_atc *atc, uint64_t iova,
				    void *buf, size_t len, unsigned int access);

/**
 * struct genpt_rviommu_stats - event counters (monotonic, approximate under
 * concurrency only in their ordering with each other).
 */
struct genpt_rviommu_stats {
	uint64_t translations;  /* genpt_rviommu_translate() calls processed */
	uint64_t iotlb_hits;    /* translations served from the IOTLB */
	uint64_t iotlb_misses;  /* translations that walked the page tables */
	uint64_t dc_hits;       /* device/process contexts from the cache */
	uint64_t dc_misses;     /* ... read from memory */
	uint64_t ad_updates;    /* PTEs the IOMMU wrote (A/D set by CAS) */
	uint64_t faults;        /* translations that faulted */
	uint64_t fault_records; /* records written to the fault queue */
	uint64_t commands;      /* commands executed */
};

/**
 * genpt_rviommu_stats() - read the event counters.
 * @iommu: the IOMMU.
 * @out:   receives the counters.
 *
 * Return: 0, or -EINVAL for a NULL argument.
 */
GENPT_API int genpt_rviommu_stats(struct genpt_rviommu *iommu,
				  struct genpt_rviommu_stats *out);

/**
 * genpt_rviommu_mmio_ops - MMIO ops whose ctx is a struct genpt_rviommu *:
 * genpt_rviommu_reg_read() and genpt_rviommu_reg_write().
 */
GENPT_API extern const struct genpt_rv_mmio_ops genpt_rviommu_mmio_ops;

#ifdef __cplusplus
}
#endif

#endif /* GENPT_RISCV_IOMMU_MODEL_H */
