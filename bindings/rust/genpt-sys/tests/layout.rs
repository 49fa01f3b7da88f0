//! Checks the hand-written declarations of src/lib.rs against the C
//! headers: a small C program, written and compiled here with the system C
//! compiler (`CC`, default `cc`) against `include/genpt` (`GENPT_INCLUDE_DIR`
//! to point elsewhere), prints every struct size and alignment, field offset
//! and constant; each must equal what Rust computes for the same item.
//! Needs no build script and no library: only the headers.
use std::collections::HashMap;
use std::env;
use std::mem::{align_of, size_of, MaybeUninit};
use std::path::PathBuf;
use std::process::Command;

use genpt_sys::*;

/// (C expression, the value Rust has for it)
type Item = (String, u64);

macro_rules! consts {
    ($v:ident; $($name:ident),* $(,)?) => {
        $( $v.push((stringify!($name).to_string(), $name as u64)); )*
    };
}

/// Size and alignment of a struct, then the offset and size of each field (a Rust
/// field name may differ from C's: `rust => c`).
macro_rules! layout {
    ($v:ident; $ty:ident { $($f:ident $(=> $cf:ident)?),* $(,)? }) => {{
        $v.push((format!("sizeof(struct {})", stringify!($ty)), size_of::<$ty>() as u64));
        $v.push((format!("_Alignof(struct {})", stringify!($ty)), align_of::<$ty>() as u64));
        let u = MaybeUninit::<$ty>::uninit();
        let base = u.as_ptr() as usize;
        $(
            // addr_of! on a field of uninitialized memory: no read, no UB.
            let at = unsafe { std::ptr::addr_of!((*u.as_ptr()).$f) } as usize;
            #[allow(unused_mut, unused_assignments)]
            let mut cname = stringify!($f);
            $( cname = stringify!($cf); )?
            $v.push((format!("offsetof(struct {}, {})", stringify!($ty), cname), (at - base) as u64));
            let fsize = pointee_size(unsafe { std::ptr::addr_of!((*u.as_ptr()).$f) });
            $v.push((format!("sizeof(((struct {} *)0)->{})", stringify!($ty), cname), fsize as u64));
        )*
    }};
}

/// The size of what @_p points at (a field's type, without naming it).
fn pointee_size<T>(_p: *const T) -> usize {
    size_of::<T>()
}

fn items() -> Vec<Item> {
    let mut v: Vec<Item> = Vec::new();
    layout!(v; genpt_mem_ops { alloc, free, phys_to_virt, flush });
    layout!(v; genpt_config { format, va_bits, oa_bits, granule_bits, features, mem, mem_ctx });
    layout!(v; genpt_gather { start, last, freed });
    layout!(v; genpt_dirty_bitmap { bits, iova, length, page_shift });
    layout!(v; genpt_hw_info { root_pa, root_size, levels, mode, atp, tcr, start_level, concat });
    layout!(v; genpt_shard { iova, len, work });
    layout!(v; genpt_leaf_info { first, size, oa, entry_size, level, run, prot, dirty, accessed });
    layout!(v; genpt_caps {
        levels, va_bits, oa_bits, granule_bits, page_sizes, run_sizes, level_sizes, dirty, split,
        hw_tracking });
    layout!(v; genpt_sim_iommu_config { table, mem, mem_ctx, iotlb_entries });
    layout!(v; genpt_sim_iommu_stats {
        dma_pages, iotlb_hits, iotlb_misses, faults, stale_fills, invalidations, dropped });
    layout!(v; genpt_rviommu_config {
        capabilities, iotlb_entries, dc_cache_entries, mem_hook, mem_hook_ctx });
    layout!(v; genpt_rviommu_req {
        device_id, process_id, pid_valid, iova, access, priv_ => priv, type_ => type });
    layout!(v; genpt_rviommu_rsp {
        cause, pa, page_shift, pbmt, iotlb_hit, perm, user, dirty, msi, iotval, iotval2, reported,
        ats_status });
    layout!(v; genpt_rviommu_fault { cause, ttyp, did, pv, pid, priv_ => priv, iotval, iotval2 });
    layout!(v; genpt_rviommu_stats {
        translations, iotlb_hits, iotlb_misses, dc_hits, dc_misses, ad_updates, faults,
        fault_records, commands });
    layout!(v; genpt_rv_mmio_ops { read, write });
    layout!(v; genpt_rvdrv_config { mmio, mmio_ctx, mem, mem_ctx, ddt_levels, cq_log2, fq_log2 });
    layout!(v; genpt_rvdrv_domain { stage, id });
    v.push(("sizeof(enum genpt_format)".into(), size_of::<genpt_format>() as u64));
    v.push(("sizeof(enum genpt_rvdrv_stage)".into(), size_of::<genpt_rvdrv_stage>() as u64));
    consts!(v; GENPT_FMT_RISCV, GENPT_FMT_ARMV8, GENPT_FMT_X86_64, GENPT_FMT_VTDSS, GENPT_FMT_AMDV1,
        GENPT_RVDRV_STAGE1, GENPT_RVDRV_STAGE2, GENPT_VERSION_NUMBER, GENPT_RVI_CAPS_MODEL,
        GENPT_CAPS_LEVELS);
    consts!(v; GENPT_FEAT_RISCV_GSTAGE, GENPT_FEAT_RISCV_SVNAPOT, GENPT_FEAT_RISCV_SVPBMT, 
        GENPT_FEAT_ARMV8_S2, GENPT_FEAT_ARMV8_CONTIG, GENPT_FEAT_ARMV8_DBM, GENPT_FEAT_VTDSS_SNP, GENPT_FEAT_TABLE_ACCESSED,
        GENPT_READ, GENPT_WRITE, GENPT_NOEXEC, GENPT_MMIO, GENPT_CACHE, GENPT_ACCESS_READ, 
        GENPT_ACCESS_WRITE, GENPT_ACCESS_EXEC, GENPT_DIRTY_NO_CLEAR, GENPT_RVI_REG_CAPABILITIES, 
        GENPT_RVI_REG_FCTL, GENPT_RVI_REG_DDTP, GENPT_RVI_REG_CQB, GENPT_RVI_REG_CQH, 
        GENPT_RVI_REG_CQT, GENPT_RVI_REG_FQB, GENPT_RVI_REG_FQH, GENPT_RVI_REG_FQT, GENPT_RVI_REG_PQB, 
        GENPT_RVI_REG_PQH, GENPT_RVI_REG_PQT, GENPT_RVI_REG_CQCSR, GENPT_RVI_REG_FQCSR, 
        GENPT_RVI_REG_PQCSR, GENPT_RVI_REG_IPSR, GENPT_RVI_REG_ICVEC, GENPT_RVI_REG_MSI_CFG_TBL, 
        GENPT_RVI_REG_SPACE, GENPT_RVI_CAP_VERSION_MASK, GENPT_RVI_CAP_SV32, GENPT_RVI_CAP_SV39, 
        GENPT_RVI_CAP_SV48, GENPT_RVI_CAP_SV57, GENPT_RVI_CAP_SVPBMT, GENPT_RVI_CAP_SV32X4, 
        GENPT_RVI_CAP_SV39X4, GENPT_RVI_CAP_SV48X4, GENPT_RVI_CAP_SV57X4, GENPT_RVI_CAP_AMO_MRIF, 
        GENPT_RVI_CAP_MSI_FLAT, GENPT_RVI_CAP_MSI_MRIF, GENPT_RVI_CAP_AMO_HWAD, GENPT_RVI_CAP_ATS, 
        GENPT_RVI_CAP_T2GPA, GENPT_RVI_CAP_END, GENPT_RVI_CAP_IGS_SHIFT, GENPT_RVI_CAP_IGS_MASK, 
        GENPT_RVI_CAP_IGS_MSI, GENPT_RVI_CAP_IGS_WSI, GENPT_RVI_CAP_IGS_BOTH, GENPT_RVI_CAP_HPM, 
        GENPT_RVI_CAP_DBG, GENPT_RVI_CAP_PAS_SHIFT, GENPT_RVI_CAP_PAS_MASK, GENPT_RVI_CAP_PD8, 
        GENPT_RVI_CAP_PD17, GENPT_RVI_CAP_PD20, GENPT_RVI_CAP_QOSID, GENPT_RVI_FCTL_BE, 
        GENPT_RVI_FCTL_WSI, GENPT_RVI_FCTL_GXL, GENPT_RVI_DDTP_MODE_MASK, GENPT_RVI_DDTP_OFF, 
        GENPT_RVI_DDTP_BARE, GENPT_RVI_DDTP_1LVL, GENPT_RVI_DDTP_2LVL, GENPT_RVI_DDTP_3LVL, 
        GENPT_RVI_DDTP_BUSY, GENPT_RVI_PPN_SHIFT, GENPT_RVI_PPN_MASK, GENPT_RVI_QB_LOG2SZM1_MASK, 
        GENPT_RVI_CQCSR_CQEN, GENPT_RVI_CQCSR_CIE, GENPT_RVI_CQCSR_CQMF, GENPT_RVI_CQCSR_CMD_TO, 
        GENPT_RVI_CQCSR_CMD_ILL, GENPT_RVI_CQCSR_FENCE_W_IP, GENPT_RVI_CQCSR_CQON, 
        GENPT_RVI_CQCSR_BUSY, GENPT_RVI_FQCSR_FQEN, GENPT_RVI_FQCSR_FIE, GENPT_RVI_FQCSR_FQMF, 
        GENPT_RVI_FQCSR_FQOF, GENPT_RVI_FQCSR_FQON, GENPT_RVI_FQCSR_BUSY, GENPT_RVI_IPSR_CIP, 
        GENPT_RVI_IPSR_FIP, GENPT_RVI_IPSR_PMIP, GENPT_RVI_IPSR_PIP, GENPT_RVI_DC_TC, 
        GENPT_RVI_DC_IOHGATP, GENPT_RVI_DC_TA, GENPT_RVI_DC_FSC, GENPT_RVI_DC_MSIPTP, 
        GENPT_RVI_DC_MSI_ADDR_MASK, GENPT_RVI_DC_MSI_ADDR_PATTERN, GENPT_RVI_DC_BASE_SIZE, 
        GENPT_RVI_DC_EXT_SIZE, GENPT_RVI_TC_V, GENPT_RVI_TC_EN_ATS, GENPT_RVI_TC_EN_PRI, 
        GENPT_RVI_TC_T2GPA, GENPT_RVI_TC_DTF, GENPT_RVI_TC_PDTV, GENPT_RVI_TC_PRPR, GENPT_RVI_TC_GADE, 
        GENPT_RVI_TC_SADE, GENPT_RVI_TC_DPE, GENPT_RVI_TC_SBE, GENPT_RVI_TC_SXL, 
        GENPT_RVI_ATP_PPN_MASK, GENPT_RVI_ATP_GSCID_SHIFT, GENPT_RVI_ATP_MODE_SHIFT, 
        GENPT_RVI_MODE_BARE, GENPT_RVI_MODE_SV39, GENPT_RVI_MODE_SV48, GENPT_RVI_MODE_SV57, 
        GENPT_RVI_PDTP_PD8, GENPT_RVI_PDTP_PD17, GENPT_RVI_PDTP_PD20, GENPT_RVI_MSIPTP_OFF, 
        GENPT_RVI_MSIPTP_FLAT, GENPT_RVI_TA_PSCID_SHIFT, GENPT_RVI_PC_TA_V, GENPT_RVI_PC_TA_ENS, 
        GENPT_RVI_PC_TA_SUM, GENPT_RVI_DIR_V, GENPT_RVI_CMD_IOTINVAL, GENPT_RVI_CMD_IOFENCE, 
        GENPT_RVI_CMD_IODIR, GENPT_RVI_CMD_ATS, GENPT_RVI_IOTINVAL_VMA, GENPT_RVI_IOTINVAL_GVMA, 
        GENPT_RVI_IOFENCE_C, GENPT_RVI_IODIR_INVAL_DDT, GENPT_RVI_IODIR_INVAL_PDT, 
        GENPT_RVI_CAUSE_INST_ACCESS, GENPT_RVI_CAUSE_READ_ACCESS, GENPT_RVI_CAUSE_WRITE_ACCESS, 
        GENPT_RVI_CAUSE_INST_PAGE, GENPT_RVI_CAUSE_READ_PAGE, GENPT_RVI_CAUSE_WRITE_PAGE, 
        GENPT_RVI_CAUSE_INST_GUEST_PAGE, GENPT_RVI_CAUSE_READ_GUEST_PAGE, 
        GENPT_RVI_CAUSE_WRITE_GUEST_PAGE, GENPT_RVI_CAUSE_ALL_DISALLOWED, 
        GENPT_RVI_CAUSE_DDT_LOAD_FAULT, GENPT_RVI_CAUSE_DDT_INVALID, GENPT_RVI_CAUSE_DDT_MISCONFIGURED, 
        GENPT_RVI_CAUSE_TTYP_DISALLOWED, GENPT_RVI_CAUSE_MSI_LOAD_FAULT, GENPT_RVI_CAUSE_MSI_INVALID, 
        GENPT_RVI_CAUSE_MSI_MISCONFIGURED, GENPT_RVI_CAUSE_PDT_LOAD_FAULT, GENPT_RVI_CAUSE_PDT_INVALID, 
        GENPT_RVI_CAUSE_PDT_MISCONFIGURED, GENPT_RVI_TTYP_NONE, GENPT_RVI_TTYP_UNTRANSLATED_EXEC, 
        GENPT_RVI_TTYP_UNTRANSLATED_READ, GENPT_RVI_TTYP_UNTRANSLATED_WRITE, GENPT_RVI_CMD_SIZE, 
        GENPT_RVI_FAULT_RECORD_SIZE, GENPT_VERSION_MAJOR, GENPT_VERSION_MINOR, GENPT_VERSION_PATCH);
    // function-like macros, at a few arguments
    for x in [0u64, 1, 0x8765_4321, 0xfff_ffff_f000] {
        v.push((format!("GENPT_RVI_PPN_OF({}ull)", x), GENPT_RVI_PPN_OF(x)));
        v.push((format!("GENPT_RVI_ATP(9, 0x{:x}ull & 0xffff, {}ull)", x, x),
                GENPT_RVI_ATP(9, x & 0xffff, x)));
        v.push((format!("GENPT_RVI_TA_PSCID({}ull & 0xfffff)", x), GENPT_RVI_TA_PSCID(x & 0xfffff)));
        v.push((format!("GENPT_RVI_CAP_PAS({}ull & 0x3f)", x), GENPT_RVI_CAP_PAS(x & 0x3f)));
    }
    for (n, e) in [
        ("ENOENT", errno::ENOENT), ("EIO", errno::EIO), ("ENOMEM", errno::ENOMEM),
        ("EACCES", errno::EACCES), ("EFAULT", errno::EFAULT), ("EBUSY", errno::EBUSY),
        ("EEXIST", errno::EEXIST), ("EINVAL", errno::EINVAL), ("ERANGE", errno::ERANGE),
        ("EOVERFLOW", errno::EOVERFLOW), ("EOPNOTSUPP", errno::EOPNOTSUPP),
        ("ETIMEDOUT", errno::ETIMEDOUT),
    ] {
        v.push((n.to_string(), e as u64));
    }
    v
}

fn include_dir() -> PathBuf {
    match env::var_os("GENPT_INCLUDE_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../include"),
    }
}

/// Compile and run the C side; its "expression value" lines as a map.
fn c_values(items: &[Item]) -> HashMap<String, u64> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("layout");
    std::fs::create_dir_all(&dir).unwrap();
    let mut src = String::from(
        "#include <errno.h>\n#include <stddef.h>\n#include <stdio.h>\n#include <genpt/genpt.h>\n\
         int main(void)\n{\n",
    );
    for (expr, _) in items {
        src += &format!(
            "\tprintf(\"%s\\t%llu\\n\", \"{}\", (unsigned long long)({}));\n",
            expr.replace('"', "\\\""),
            expr
        );
    }
    src += "\treturn 0;\n}\n";
    let c = dir.join("layout.c");
    let exe = dir.join("layout");
    std::fs::write(&c, src).unwrap();
    let cc = env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let st = Command::new(&cc)
        .args(["-std=c11", "-Wall", "-Werror", "-o"])
        .arg(&exe)
        .arg(&c)
        .arg("-I")
        .arg(include_dir())
        .status()
        .unwrap_or_else(|e| panic!("cannot run the C compiler '{}': {}", cc, e));
    assert!(st.success(), "{} failed on {}", cc, c.display());
    let out = Command::new(&exe).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (k, v) = l.rsplit_once('\t').unwrap();
            (k.to_string(), v.parse().unwrap())
        })
        .collect()
}

#[test]
fn declarations_match_the_headers() {
    let items = items();
    let c = c_values(&items);
    let mut bad = Vec::new();
    for (expr, rust) in &items {
        let cv = c[expr];
        if cv != *rust {
            bad.push(format!("{}: C {} (0x{:x}), Rust {} (0x{:x})", expr, cv, cv, rust, rust));
        }
    }
    assert!(bad.is_empty(), "{} mismatches:\n{}", bad.len(), bad.join("\n"));
    assert!(items.len() > 250, "only {} items checked", items.len());
}
