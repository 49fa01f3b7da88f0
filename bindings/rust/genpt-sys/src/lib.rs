//! Raw declarations of genpt's C API, written by hand from the public
//! headers (`include/genpt/*.h`, which are the documentation of every item
//! here).  `tests/layout.rs` compiles a C program against those headers and
//! checks every struct size, field offset and constant below against it, so
//! a header change that this file misses fails `cargo test`.
//!
//! Everything here is `unsafe` to use; the `genpt` crate is the safe API.
//! Linking: see `build.rs` (`GENPT_LIB_DIR`, `GENPT_LINK`).
#![allow(non_camel_case_types, non_upper_case_globals, non_snake_case)]

use std::os::raw::{c_char, c_int, c_uint, c_void};

/* ------------------------------------------------------------ errno ---- */

/// The errno values genpt returns (negated), as this platform defines them.
pub mod errno {
    use std::os::raw::c_int;
    pub const ENOENT: c_int = 2;
    pub const EIO: c_int = 5;
    pub const ENOMEM: c_int = 12;
    pub const EACCES: c_int = 13;
    pub const EFAULT: c_int = 14;
    pub const EBUSY: c_int = 16;
    pub const EEXIST: c_int = 17;
    pub const EINVAL: c_int = 22;
    pub const ERANGE: c_int = 34;
    pub const EOVERFLOW: c_int = 75;
    pub const EOPNOTSUPP: c_int = 95;
    pub const ETIMEDOUT: c_int = 110;
}

/* ------------------------------------------------------ genpt/mem.h ---- */

/// `struct genpt_mem_ops`: a table memory provider.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct genpt_mem_ops {
    pub alloc: Option<
        unsafe extern "C" fn(ctx: *mut c_void, size: usize, align: usize, pa: *mut u64) -> *mut c_void,
    >,
    pub free: Option<unsafe extern "C" fn(ctx: *mut c_void, va: *mut c_void, size: usize)>,
    pub phys_to_virt: Option<unsafe extern "C" fn(ctx: *mut c_void, pa: u64) -> *mut c_void>,
    /// Optional: make `size` bytes at `va` visible to a table walker that
    /// does not snoop the CPU caches (`None` for a coherent walker).
    pub flush: Option<unsafe extern "C" fn(ctx: *mut c_void, va: *const c_void, size: usize)>,
}

/// `struct genpt_physmem` (opaque).
#[repr(C)]
pub struct genpt_physmem {
    _private: [u8; 0],
}

/* ---------------------------------------------------- genpt/table.h ---- */

/// `enum genpt_format`.
pub type genpt_format = c_uint;
pub const GENPT_FMT_RISCV: genpt_format = 1;
pub const GENPT_FMT_ARMV8: genpt_format = 2;
pub const GENPT_FMT_X86_64: genpt_format = 3;
pub const GENPT_FMT_VTDSS: genpt_format = 4;
pub const GENPT_FMT_AMDV1: genpt_format = 5;

/// `struct genpt_config`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct genpt_config {
    pub format: genpt_format,
    pub va_bits: c_uint,
    pub oa_bits: c_uint,
    pub granule_bits: c_uint,
    pub features: u64,
    pub mem: *const genpt_mem_ops,
    pub mem_ctx: *mut c_void,
}

/// `struct genpt_gather`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct genpt_gather {
    pub start: u64,
    pub last: u64,
    pub freed: *mut c_void,
}

/// `struct genpt_dirty_bitmap`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct genpt_dirty_bitmap {
    pub bits: *mut u64,
    pub iova: u64,
    pub length: u64,
    pub page_shift: c_uint,
}

/// `struct genpt_hw_info`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct genpt_hw_info {
    pub root_pa: u64,
    pub root_size: u64,
    pub levels: c_uint,
    pub mode: c_uint,
    pub atp: u64,
    pub tcr: u64,
    pub start_level: c_uint,
    pub concat: c_uint,
}

/// `struct genpt_shard`: one range `genpt_harvest_shards` cut.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct genpt_shard {
    pub iova: u64,
    pub len: u64,
    pub work: u64,
}

/// `struct genpt_leaf_info`: what `genpt_leaf_lookup` found at an address.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct genpt_leaf_info {
    pub first: u64,
    pub size: u64,
    pub oa: u64,
    pub entry_size: u64,
    pub level: c_uint,
    pub run: c_uint,
    pub prot: c_uint,
    pub dirty: bool,
    pub accessed: bool,
}

/// `GENPT_CAPS_LEVELS`: entries of `genpt_caps.level_sizes`.
pub const GENPT_CAPS_LEVELS: usize = 6;

/// `struct genpt_caps`: what a configuration or a table can hold
/// (`genpt_query_caps`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct genpt_caps {
    pub levels: c_uint,
    pub va_bits: c_uint,
    pub oa_bits: c_uint,
    pub granule_bits: c_uint,
    pub page_sizes: u64,
    pub run_sizes: u64,
    pub level_sizes: [u64; GENPT_CAPS_LEVELS],
    pub dirty: bool,
    pub split: bool,
    pub hw_tracking: genpt_hw_info,
}

/// `struct genpt` (opaque).
#[repr(C)]
pub struct genpt {
    _private: [u8; 0],
}

/* ------------------------------------------------ genpt/sim_iommu.h ---- */

/// `struct genpt_sim_iommu` (opaque).
#[repr(C)]
pub struct genpt_sim_iommu {
    _private: [u8; 0],
}

/// `struct genpt_sim_iommu_config`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct genpt_sim_iommu_config {
    pub table: *mut genpt,
    pub mem: *const genpt_mem_ops,
    pub mem_ctx: *mut c_void,
    pub iotlb_entries: c_uint,
}

/// `struct genpt_sim_iommu_stats`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct genpt_sim_iommu_stats {
    pub dma_pages: u64,
    pub iotlb_hits: u64,
    pub iotlb_misses: u64,
    pub faults: u64,
    pub stale_fills: u64,
    pub invalidations: u64,
    pub dropped: u64,
}

/* ---------------------------------------------- genpt/riscv_iommu.h ---- */

/// `struct genpt_rviommu` (opaque).
#[repr(C)]
pub struct genpt_rviommu {
    _private: [u8; 0],
}

/// `struct genpt_rviommu_access`: one memory access the model makes, as a
/// memory hook sees it (opaque here; read it from C).
#[repr(C)]
pub struct genpt_rviommu_access {
    _private: [u8; 0],
}

/// `genpt_rviommu_mem_hook`: returns a `GENPT_RVIOMMU_MEM_*` verdict.
pub type genpt_rviommu_mem_hook =
    Option<unsafe extern "C" fn(ctx: *mut c_void, a: *const genpt_rviommu_access) -> c_int>;

/// `struct genpt_rviommu_config`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct genpt_rviommu_config {
    pub capabilities: u64,
    pub iotlb_entries: c_uint,
    pub dc_cache_entries: c_uint,
    pub mem_hook: genpt_rviommu_mem_hook,
    pub mem_hook_ctx: *mut c_void,
}

impl Default for genpt_rviommu_config {
    fn default() -> Self {
        genpt_rviommu_config {
            capabilities: 0,
            iotlb_entries: 0,
            dc_cache_entries: 0,
            mem_hook: None,
            mem_hook_ctx: std::ptr::null_mut(),
        }
    }
}

/// `struct genpt_rviommu_req`.  (`priv_` is C's `priv`, a Rust keyword.)
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct genpt_rviommu_req {
    pub device_id: u32,
    pub process_id: u32,
    pub pid_valid: bool,
    pub iova: u64,
    pub access: c_uint,
    pub priv_: bool,
    /// C's `type` (a Rust keyword): untranslated, translated or an ATS
    /// translation request.
    pub type_: c_uint,
}

/// `struct genpt_rviommu_rsp`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct genpt_rviommu_rsp {
    pub cause: c_uint,
    pub pa: u64,
    pub page_shift: c_uint,
    pub pbmt: c_uint,
    pub iotlb_hit: bool,
    pub perm: c_uint,
    pub user: bool,
    pub dirty: bool,
    pub msi: bool,
    pub iotval: u64,
    pub iotval2: u64,
    pub reported: bool,
    pub ats_status: c_uint,
}

/// `struct genpt_rviommu_fault`.  (`priv_` is C's `priv`.)
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct genpt_rviommu_fault {
    pub cause: c_uint,
    pub ttyp: c_uint,
    pub did: u32,
    pub pv: bool,
    pub pid: u32,
    pub priv_: bool,
    pub iotval: u64,
    pub iotval2: u64,
}

/// `struct genpt_rviommu_stats`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct genpt_rviommu_stats {
    pub translations: u64,
    pub iotlb_hits: u64,
    pub iotlb_misses: u64,
    pub dc_hits: u64,
    pub dc_misses: u64,
    pub ad_updates: u64,
    pub faults: u64,
    pub fault_records: u64,
    pub commands: u64,
}

/// `struct genpt_rv_mmio_ops`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct genpt_rv_mmio_ops {
    pub read: Option<
        unsafe extern "C" fn(ctx: *mut c_void, offset: u32, size: c_uint, value: *mut u64) -> c_int,
    >,
    pub write:
        Option<unsafe extern "C" fn(ctx: *mut c_void, offset: u32, size: c_uint, value: u64) -> c_int>,
}

/// `struct genpt_rvdrv` (opaque).
#[repr(C)]
pub struct genpt_rvdrv {
    _private: [u8; 0],
}

/// `struct genpt_rvdrv_config`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct genpt_rvdrv_config {
    pub mmio: *const genpt_rv_mmio_ops,
    pub mmio_ctx: *mut c_void,
    pub mem: *const genpt_mem_ops,
    pub mem_ctx: *mut c_void,
    pub ddt_levels: c_uint,
    pub cq_log2: c_uint,
    pub fq_log2: c_uint,
}

/// `enum genpt_rvdrv_stage`.
pub type genpt_rvdrv_stage = c_uint;
pub const GENPT_RVDRV_STAGE1: genpt_rvdrv_stage = 1;
pub const GENPT_RVDRV_STAGE2: genpt_rvdrv_stage = 2;

/// `struct genpt_rvdrv_domain`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct genpt_rvdrv_domain {
    pub stage: genpt_rvdrv_stage,
    pub id: u32,
}

/* -------------------------------------------------------- constants ---- */

/// `GENPT_VERSION_STRING`.
pub const GENPT_VERSION_STRING: &str = "0.1.0";
/// `GENPT_VERSION_NUMBER`.
pub const GENPT_VERSION_NUMBER: u32 =
    GENPT_VERSION_MAJOR * 10000 + GENPT_VERSION_MINOR * 100 + GENPT_VERSION_PATCH;
/// `GENPT_RVI_CAP_PAS(bits)`.
pub const fn GENPT_RVI_CAP_PAS(bits: u64) -> u64 {
    bits << 32
}
/// `GENPT_RVI_PPN_OF(pa)`.
pub const fn GENPT_RVI_PPN_OF(pa: u64) -> u64 {
    (pa >> 12) << 10
}
/// `GENPT_RVI_ATP(mode, id, pa)`.
pub const fn GENPT_RVI_ATP(mode: u64, id: u64, pa: u64) -> u64 {
    (mode << 60) | (id << 44) | (pa >> 12)
}
/// `GENPT_RVI_TA_PSCID(p)`.
pub const fn GENPT_RVI_TA_PSCID(p: u64) -> u64 {
    p << 12
}
/// `GENPT_RVI_CAPS_MODEL`: every capability the model implements.
pub const GENPT_RVI_CAPS_MODEL: u64 = 0x10
    | GENPT_RVI_CAP_SV39
    | GENPT_RVI_CAP_SV48
    | GENPT_RVI_CAP_SV57
    | GENPT_RVI_CAP_SVPBMT
    | GENPT_RVI_CAP_SV39X4
    | GENPT_RVI_CAP_SV48X4
    | GENPT_RVI_CAP_SV57X4
    | GENPT_RVI_CAP_MSI_FLAT
    | GENPT_RVI_CAP_AMO_HWAD
    | GENPT_RVI_CAP_IGS_BOTH
    | GENPT_RVI_CAP_PAS(56)
    | GENPT_RVI_CAP_PD8
    | GENPT_RVI_CAP_PD17
    | GENPT_RVI_CAP_PD20;

pub const GENPT_FEAT_RISCV_GSTAGE: u64 = 1 << 0; // second stage (iohgatp): SvNNx4
pub const GENPT_FEAT_RISCV_SVNAPOT: u64 = 1 << 1; // 64 KiB NAPOT leaves (16 x 4K)
pub const GENPT_FEAT_RISCV_SVPBMT: u64 = 1 << 2; // PBMT bits for MMIO / non-cacheable
pub const GENPT_FEAT_ARMV8_S2: u64 = 1 << 8; // stage 2
pub const GENPT_FEAT_ARMV8_CONTIG: u64 = 1 << 9; // contiguous hint runs
pub const GENPT_FEAT_ARMV8_DBM: u64 = 1 << 10; // HTTU dirty state via DBM
pub const GENPT_FEAT_VTDSS_SNP: u64 = 1 << 16; // VT-d snoop control (ECAP.SC): GENPT_CACHE leaves get SNP
pub const GENPT_FEAT_TABLE_ACCESSED: u64 = 1 << 48; // harvest skips subtrees with table accessed flag clear (x86-64, VT-d SS, AMD v1)
pub const GENPT_READ: u32 = 1 << 0;
pub const GENPT_WRITE: u32 = 1 << 1;
pub const GENPT_NOEXEC: u32 = 1 << 2; // no instruction fetch
pub const GENPT_MMIO: u32 = 1 << 3; // device memory
pub const GENPT_CACHE: u32 = 1 << 4; // cacheable, coherent with CPU caches
pub const GENPT_ACCESS_READ: u32 = 1;
pub const GENPT_ACCESS_WRITE: u32 = 2;
pub const GENPT_ACCESS_EXEC: u32 = 3;
pub const GENPT_DIRTY_NO_CLEAR: u32 = 1 << 0; // report, leave the dirty state as is
pub const GENPT_RVI_REG_CAPABILITIES: u32 = 0x000; // 8 bytes, read-only
pub const GENPT_RVI_REG_FCTL: u32 = 0x008; // 4
pub const GENPT_RVI_REG_DDTP: u32 = 0x010; // 8
pub const GENPT_RVI_REG_CQB: u32 = 0x018; // 8
pub const GENPT_RVI_REG_CQH: u32 = 0x020; // 4, read-only
pub const GENPT_RVI_REG_CQT: u32 = 0x024; // 4
pub const GENPT_RVI_REG_FQB: u32 = 0x028; // 8
pub const GENPT_RVI_REG_FQH: u32 = 0x030; // 4
pub const GENPT_RVI_REG_FQT: u32 = 0x034; // 4, read-only
pub const GENPT_RVI_REG_PQB: u32 = 0x038; // 8 (only with ATS)
pub const GENPT_RVI_REG_PQH: u32 = 0x040; // 4 (only with ATS)
pub const GENPT_RVI_REG_PQT: u32 = 0x044; // 4 (only with ATS)
pub const GENPT_RVI_REG_CQCSR: u32 = 0x048; // 4
pub const GENPT_RVI_REG_FQCSR: u32 = 0x04C; // 4
pub const GENPT_RVI_REG_PQCSR: u32 = 0x050; // 4 (only with ATS)
pub const GENPT_RVI_REG_IPSR: u32 = 0x054; // 4
pub const GENPT_RVI_REG_ICVEC: u32 = 0x2F8; // 8
pub const GENPT_RVI_REG_MSI_CFG_TBL: u32 = 0x300; // 16 x 16 bytes (without IGS=WSI)
pub const GENPT_RVI_REG_SPACE: u32 = 0x1000;
pub const GENPT_RVI_CAP_VERSION_MASK: u64 = 0xff; // 0x10 = version 1.0
pub const GENPT_RVI_CAP_SV32: u64 = 1 << 8;
pub const GENPT_RVI_CAP_SV39: u64 = 1 << 9;
pub const GENPT_RVI_CAP_SV48: u64 = 1 << 10;
pub const GENPT_RVI_CAP_SV57: u64 = 1 << 11;
pub const GENPT_RVI_CAP_SVPBMT: u64 = 1 << 15;
pub const GENPT_RVI_CAP_SV32X4: u64 = 1 << 16;
pub const GENPT_RVI_CAP_SV39X4: u64 = 1 << 17;
pub const GENPT_RVI_CAP_SV48X4: u64 = 1 << 18;
pub const GENPT_RVI_CAP_SV57X4: u64 = 1 << 19;
pub const GENPT_RVI_CAP_AMO_MRIF: u64 = 1 << 21;
pub const GENPT_RVI_CAP_MSI_FLAT: u64 = 1 << 22;
pub const GENPT_RVI_CAP_MSI_MRIF: u64 = 1 << 23;
pub const GENPT_RVI_CAP_AMO_HWAD: u64 = 1 << 24;
pub const GENPT_RVI_CAP_ATS: u64 = 1 << 25;
pub const GENPT_RVI_CAP_T2GPA: u64 = 1 << 26;
pub const GENPT_RVI_CAP_END: u64 = 1 << 27;
pub const GENPT_RVI_CAP_IGS_SHIFT: u32 = 28; // 2 bits: 0 MSI, 1 WSI, 2 both
pub const GENPT_RVI_CAP_IGS_MASK: u64 = 3 << 28;
pub const GENPT_RVI_CAP_IGS_MSI: u64 = 0 << 28;
pub const GENPT_RVI_CAP_IGS_WSI: u64 = 1 << 28;
pub const GENPT_RVI_CAP_IGS_BOTH: u64 = 2 << 28;
pub const GENPT_RVI_CAP_HPM: u64 = 1 << 30;
pub const GENPT_RVI_CAP_DBG: u64 = 1 << 31;
pub const GENPT_RVI_CAP_PAS_SHIFT: u32 = 32; // 6 bits: physical address size
pub const GENPT_RVI_CAP_PAS_MASK: u64 = 0x3f << 32;
pub const GENPT_RVI_CAP_PD8: u64 = 1 << 38;
pub const GENPT_RVI_CAP_PD17: u64 = 1 << 39;
pub const GENPT_RVI_CAP_PD20: u64 = 1 << 40;
pub const GENPT_RVI_CAP_QOSID: u64 = 1 << 41;
pub const GENPT_RVI_FCTL_BE: u32 = 1 << 0;
pub const GENPT_RVI_FCTL_WSI: u32 = 1 << 1;
pub const GENPT_RVI_FCTL_GXL: u32 = 1 << 2;
pub const GENPT_RVI_DDTP_MODE_MASK: u64 = 0xf;
pub const GENPT_RVI_DDTP_OFF: u32 = 0;
pub const GENPT_RVI_DDTP_BARE: u32 = 1;
pub const GENPT_RVI_DDTP_1LVL: u32 = 2;
pub const GENPT_RVI_DDTP_2LVL: u32 = 3;
pub const GENPT_RVI_DDTP_3LVL: u32 = 4;
pub const GENPT_RVI_DDTP_BUSY: u64 = 1 << 4;
pub const GENPT_RVI_PPN_SHIFT: u32 = 10;
pub const GENPT_RVI_PPN_MASK: u64 = ((1 << 44) - 1) << 10;
pub const GENPT_RVI_QB_LOG2SZM1_MASK: u64 = 0x1f;
pub const GENPT_RVI_CQCSR_CQEN: u32 = 1 << 0;
pub const GENPT_RVI_CQCSR_CIE: u32 = 1 << 1;
pub const GENPT_RVI_CQCSR_CQMF: u32 = 1 << 8;
pub const GENPT_RVI_CQCSR_CMD_TO: u32 = 1 << 9;
pub const GENPT_RVI_CQCSR_CMD_ILL: u32 = 1 << 10;
pub const GENPT_RVI_CQCSR_FENCE_W_IP: u32 = 1 << 11;
pub const GENPT_RVI_CQCSR_CQON: u32 = 1 << 16;
pub const GENPT_RVI_CQCSR_BUSY: u32 = 1 << 17;
pub const GENPT_RVI_FQCSR_FQEN: u32 = 1 << 0;
pub const GENPT_RVI_FQCSR_FIE: u32 = 1 << 1;
pub const GENPT_RVI_FQCSR_FQMF: u32 = 1 << 8;
pub const GENPT_RVI_FQCSR_FQOF: u32 = 1 << 9;
pub const GENPT_RVI_FQCSR_FQON: u32 = 1 << 16;
pub const GENPT_RVI_FQCSR_BUSY: u32 = 1 << 17;
pub const GENPT_RVI_IPSR_CIP: u32 = 1 << 0;
pub const GENPT_RVI_IPSR_FIP: u32 = 1 << 1;
pub const GENPT_RVI_IPSR_PMIP: u32 = 1 << 2;
pub const GENPT_RVI_IPSR_PIP: u32 = 1 << 3;
pub const GENPT_RVI_DC_TC: u32 = 0;
pub const GENPT_RVI_DC_IOHGATP: u32 = 1;
pub const GENPT_RVI_DC_TA: u32 = 2;
pub const GENPT_RVI_DC_FSC: u32 = 3;
pub const GENPT_RVI_DC_MSIPTP: u32 = 4; // extended format only
pub const GENPT_RVI_DC_MSI_ADDR_MASK: u32 = 5; // extended format only
pub const GENPT_RVI_DC_MSI_ADDR_PATTERN: u32 = 6;
pub const GENPT_RVI_DC_BASE_SIZE: u32 = 32;
pub const GENPT_RVI_DC_EXT_SIZE: u32 = 64;
pub const GENPT_RVI_TC_V: u64 = 1 << 0;
pub const GENPT_RVI_TC_EN_ATS: u64 = 1 << 1;
pub const GENPT_RVI_TC_EN_PRI: u64 = 1 << 2;
pub const GENPT_RVI_TC_T2GPA: u64 = 1 << 3;
pub const GENPT_RVI_TC_DTF: u64 = 1 << 4;
pub const GENPT_RVI_TC_PDTV: u64 = 1 << 5;
pub const GENPT_RVI_TC_PRPR: u64 = 1 << 6;
pub const GENPT_RVI_TC_GADE: u64 = 1 << 7;
pub const GENPT_RVI_TC_SADE: u64 = 1 << 8;
pub const GENPT_RVI_TC_DPE: u64 = 1 << 9;
pub const GENPT_RVI_TC_SBE: u64 = 1 << 10;
pub const GENPT_RVI_TC_SXL: u64 = 1 << 11;
pub const GENPT_RVI_ATP_PPN_MASK: u64 = (1 << 44) - 1;
pub const GENPT_RVI_ATP_GSCID_SHIFT: u32 = 44;
pub const GENPT_RVI_ATP_MODE_SHIFT: u32 = 60;
pub const GENPT_RVI_MODE_BARE: u32 = 0;
pub const GENPT_RVI_MODE_SV39: u32 = 8; // iosatp; iohgatp: Sv39x4
pub const GENPT_RVI_MODE_SV48: u32 = 9; // Sv48x4
pub const GENPT_RVI_MODE_SV57: u32 = 10; // Sv57x4
pub const GENPT_RVI_PDTP_PD8: u32 = 1;
pub const GENPT_RVI_PDTP_PD17: u32 = 2;
pub const GENPT_RVI_PDTP_PD20: u32 = 3;
pub const GENPT_RVI_MSIPTP_OFF: u32 = 0;
pub const GENPT_RVI_MSIPTP_FLAT: u32 = 1;
pub const GENPT_RVI_TA_PSCID_SHIFT: u32 = 12;
pub const GENPT_RVI_PC_TA_V: u64 = 1 << 0;
pub const GENPT_RVI_PC_TA_ENS: u64 = 1 << 1;
pub const GENPT_RVI_PC_TA_SUM: u64 = 1 << 2;
pub const GENPT_RVI_DIR_V: u64 = 1 << 0;
pub const GENPT_RVI_CMD_IOTINVAL: u32 = 1;
pub const GENPT_RVI_CMD_IOFENCE: u32 = 2;
pub const GENPT_RVI_CMD_IODIR: u32 = 3;
pub const GENPT_RVI_CMD_ATS: u32 = 4;
pub const GENPT_RVI_IOTINVAL_VMA: u32 = 0;
pub const GENPT_RVI_IOTINVAL_GVMA: u32 = 1;
pub const GENPT_RVI_IOFENCE_C: u32 = 0;
pub const GENPT_RVI_IODIR_INVAL_DDT: u32 = 0;
pub const GENPT_RVI_IODIR_INVAL_PDT: u32 = 1;
pub const GENPT_RVI_CAUSE_INST_ACCESS: u32 = 1;
pub const GENPT_RVI_CAUSE_READ_ACCESS: u32 = 5;
pub const GENPT_RVI_CAUSE_WRITE_ACCESS: u32 = 7;
pub const GENPT_RVI_CAUSE_INST_PAGE: u32 = 12;
pub const GENPT_RVI_CAUSE_READ_PAGE: u32 = 13;
pub const GENPT_RVI_CAUSE_WRITE_PAGE: u32 = 15;
pub const GENPT_RVI_CAUSE_INST_GUEST_PAGE: u32 = 20;
pub const GENPT_RVI_CAUSE_READ_GUEST_PAGE: u32 = 21;
pub const GENPT_RVI_CAUSE_WRITE_GUEST_PAGE: u32 = 23;
pub const GENPT_RVI_CAUSE_ALL_DISALLOWED: u32 = 256;
pub const GENPT_RVI_CAUSE_DDT_LOAD_FAULT: u32 = 257;
pub const GENPT_RVI_CAUSE_DDT_INVALID: u32 = 258;
pub const GENPT_RVI_CAUSE_DDT_MISCONFIGURED: u32 = 259;
pub const GENPT_RVI_CAUSE_TTYP_DISALLOWED: u32 = 260;
pub const GENPT_RVI_CAUSE_MSI_LOAD_FAULT: u32 = 261;
pub const GENPT_RVI_CAUSE_MSI_INVALID: u32 = 262;
pub const GENPT_RVI_CAUSE_MSI_MISCONFIGURED: u32 = 263;
pub const GENPT_RVI_CAUSE_PDT_LOAD_FAULT: u32 = 265;
pub const GENPT_RVI_CAUSE_PDT_INVALID: u32 = 266;
pub const GENPT_RVI_CAUSE_PDT_MISCONFIGURED: u32 = 267;
pub const GENPT_RVI_TTYP_NONE: u32 = 0;
pub const GENPT_RVI_TTYP_UNTRANSLATED_EXEC: u32 = 1;
pub const GENPT_RVI_TTYP_UNTRANSLATED_READ: u32 = 2;
pub const GENPT_RVI_TTYP_UNTRANSLATED_WRITE: u32 = 3;
pub const GENPT_RVI_CMD_SIZE: u32 = 16;
pub const GENPT_RVI_FAULT_RECORD_SIZE: u32 = 32;
pub const GENPT_VERSION_MAJOR: u32 = 0;
pub const GENPT_VERSION_MINOR: u32 = 1;
pub const GENPT_VERSION_PATCH: u32 = 0;

/* -------------------------------------------------------- functions ---- */

extern "C" {
    // genpt/mem.h
    pub static genpt_host_mem_ops: genpt_mem_ops;
    pub static genpt_physmem_ops: genpt_mem_ops;
    pub fn genpt_physmem_create(base: u64, size: u64, out: *mut *mut genpt_physmem) -> c_int;
    pub fn genpt_physmem_destroy(pm: *mut genpt_physmem);
    pub fn genpt_physmem_alloc(pm: *mut genpt_physmem, size: u64, align: u64, pa: *mut u64) -> c_int;
    pub fn genpt_physmem_free(pm: *mut genpt_physmem, pa: u64, size: u64) -> c_int;
    pub fn genpt_physmem_ptr(pm: *mut genpt_physmem, pa: u64) -> *mut c_void;
    pub fn genpt_physmem_stats(pm: *mut genpt_physmem, bytes: *mut u64, blocks: *mut u64) -> c_int;

    // genpt/table.h
    pub fn genpt_create(cfg: *const genpt_config, out: *mut *mut genpt) -> c_int;
    pub fn genpt_destroy(pt: *mut genpt);
    pub fn genpt_map(
        pt: *mut genpt,
        iova: u64,
        oa: u64,
        len: u64,
        prot: c_uint,
        gather: *mut genpt_gather,
    ) -> c_int;
    pub fn genpt_unmap(
        pt: *mut genpt,
        iova: u64,
        len: u64,
        gather: *mut genpt_gather,
        unmapped: *mut u64,
    ) -> c_int;
    pub fn genpt_reclaim(pt: *mut genpt, gather: *mut genpt_gather, freed: *mut u64) -> c_int;
    pub fn genpt_harvest_shards(
        pt: *mut genpt,
        iova: u64,
        len: u64,
        bitmap: *const genpt_dirty_bitmap,
        shards: *mut genpt_shard,
        nshards: c_uint,
    ) -> c_int;
    pub fn genpt_unmap_read_dirty(
        pt: *mut genpt,
        iova: u64,
        len: u64,
        bitmap: *const genpt_dirty_bitmap,
        gather: *mut genpt_gather,
        unmapped: *mut u64,
    ) -> c_int;
    pub fn genpt_clear_dirty(
        pt: *mut genpt,
        mask: *const genpt_dirty_bitmap,
        gather: *mut genpt_gather,
    ) -> c_int;
    pub fn genpt_iova_to_phys(pt: *mut genpt, iova: u64, oa: *mut u64) -> c_int;
    pub fn genpt_leaf_lookup(pt: *mut genpt, iova: u64, info: *mut genpt_leaf_info) -> c_int;
    pub fn genpt_query_caps(cfg: *const genpt_config, pt: *const genpt, caps: *mut genpt_caps) -> c_int;
    pub fn genpt_read_and_clear_dirty(
        pt: *mut genpt,
        iova: u64,
        len: u64,
        flags: c_uint,
        bitmap: *const genpt_dirty_bitmap,
        gather: *mut genpt_gather,
    ) -> c_int;
    pub fn genpt_set_dirty_tracking(pt: *mut genpt, enable: bool) -> c_int;
    pub fn genpt_split(
        pt: *mut genpt,
        iova: u64,
        len: u64,
        page_shift: c_uint,
        gather: *mut genpt_gather,
    ) -> c_int;
    pub fn genpt_merge(pt: *mut genpt, iova: u64, len: u64, gather: *mut genpt_gather) -> c_int;
    pub fn genpt_set_dirty_tracking_split(
        pt: *mut genpt,
        enable: bool,
        page_shift: c_uint,
        gather: *mut genpt_gather,
    ) -> c_int;
    pub fn genpt_dirty_tracking(pt: *const genpt) -> c_int;
    pub fn genpt_hw_access(pt: *mut genpt, iova: u64, access: c_uint, oa: *mut u64) -> c_int;
    pub fn genpt_hw_info(pt: *const genpt, info: *mut genpt_hw_info) -> c_int;
    pub fn genpt_table_bytes(pt: *const genpt, bytes: *mut u64) -> c_int;
    pub fn genpt_gather_init(g: *mut genpt_gather);
    pub fn genpt_gather_release(pt: *mut genpt, g: *mut genpt_gather) -> c_int;

    // genpt/version.h
    pub fn genpt_version() -> *const c_char;

    // genpt/sim_iommu.h
    pub fn genpt_sim_iommu_create(
        cfg: *const genpt_sim_iommu_config,
        out: *mut *mut genpt_sim_iommu,
    ) -> c_int;
    pub fn genpt_sim_iommu_destroy(iommu: *mut genpt_sim_iommu);
    pub fn genpt_sim_iommu_dma(
        iommu: *mut genpt_sim_iommu,
        iova: u64,
        buf: *mut c_void,
        len: usize,
        access: c_uint,
    ) -> c_int;
    pub fn genpt_sim_iommu_set_walk_cache(iommu: *mut genpt_sim_iommu, entries: c_uint) -> c_int;
    pub fn genpt_sim_iommu_invalidate(iommu: *mut genpt_sim_iommu, first: u64, last: u64) -> c_int;
    pub fn genpt_sim_iommu_stats(
        iommu: *mut genpt_sim_iommu,
        out: *mut genpt_sim_iommu_stats,
    ) -> c_int;

    // genpt/riscv_iommu.h: the model
    pub fn genpt_rviommu_create(
        cfg: *const genpt_rviommu_config,
        mem: *const genpt_mem_ops,
        mem_ctx: *mut c_void,
        out: *mut *mut genpt_rviommu,
    ) -> c_int;
    pub fn genpt_rviommu_destroy(iommu: *mut genpt_rviommu);
    pub fn genpt_rviommu_reg_read(
        iommu: *mut genpt_rviommu,
        offset: u32,
        size: c_uint,
        value: *mut u64,
    ) -> c_int;
    pub fn genpt_rviommu_reg_write(
        iommu: *mut genpt_rviommu,
        offset: u32,
        size: c_uint,
        value: u64,
    ) -> c_int;
    pub fn genpt_rviommu_translate(
        iommu: *mut genpt_rviommu,
        req: *const genpt_rviommu_req,
        rsp: *mut genpt_rviommu_rsp,
    ) -> c_int;
    pub fn genpt_rviommu_dma(
        iommu: *mut genpt_rviommu,
        device_id: u32,
        iova: u64,
        buf: *mut c_void,
        len: usize,
        access: c_uint,
    ) -> c_int;
    pub fn genpt_rviommu_fault_decode(rec: *const u64, f: *mut genpt_rviommu_fault);
    pub fn genpt_rviommu_stats(iommu: *mut genpt_rviommu, out: *mut genpt_rviommu_stats) -> c_int;
    pub static genpt_rviommu_mmio_ops: genpt_rv_mmio_ops;

    // genpt/riscv_iommu.h: the driver helper
    pub fn genpt_rvdrv_create(cfg: *const genpt_rvdrv_config, out: *mut *mut genpt_rvdrv) -> c_int;
    pub fn genpt_rvdrv_destroy(drv: *mut genpt_rvdrv);
    pub fn genpt_rvdrv_attach(
        drv: *mut genpt_rvdrv,
        device_id: u32,
        table: *mut genpt,
        dom: *const genpt_rvdrv_domain,
    ) -> c_int;
    pub fn genpt_rvdrv_detach(drv: *mut genpt_rvdrv, device_id: u32) -> c_int;
    pub fn genpt_rvdrv_set_dirty_tracking(drv: *mut genpt_rvdrv, table: *mut genpt, enable: bool) -> c_int;
    pub fn genpt_rvdrv_set_dirty_tracking_split(
        drv: *mut genpt_rvdrv,
        table: *mut genpt,
        enable: bool,
        page_shift: c_uint,
    ) -> c_int;
    pub fn genpt_rvdrv_read_and_clear_dirty(
        drv: *mut genpt_rvdrv,
        table: *mut genpt,
        iova: u64,
        len: u64,
        flags: c_uint,
        bitmap: *const genpt_dirty_bitmap,
    ) -> c_int;
    pub fn genpt_rvdrv_map(
        drv: *mut genpt_rvdrv,
        table: *mut genpt,
        iova: u64,
        pa: u64,
        len: u64,
        prot: c_uint,
    ) -> c_int;
    pub fn genpt_rvdrv_unmap(
        drv: *mut genpt_rvdrv,
        table: *mut genpt,
        iova: u64,
        len: u64,
        unmapped: *mut u64,
    ) -> c_int;
    pub fn genpt_rvdrv_unmap_read_dirty(
        drv: *mut genpt_rvdrv,
        table: *mut genpt,
        iova: u64,
        len: u64,
        bitmap: *const genpt_dirty_bitmap,
        unmapped: *mut u64,
    ) -> c_int;
    pub fn genpt_rvdrv_invalidate(drv: *mut genpt_rvdrv, table: *mut genpt, first: u64, last: u64) -> c_int;
    pub fn genpt_rvdrv_poll_faults(
        drv: *mut genpt_rvdrv,
        out: *mut genpt_rviommu_fault,
        max: c_uint,
        overflow: *mut bool,
    ) -> c_int;
    pub fn genpt_rvdrv_ddt_info(drv: *mut genpt_rvdrv, root_pa: *mut u64, mode: *mut c_uint) -> c_int;
}
