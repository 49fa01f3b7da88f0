//! Safe Rust API of genpt: IO page tables in the formats IOMMUs walk
//! (RISC-V, ARMv8/SMMUv3, x86-64, VT-d second stage, AMD v1), the dirty
//! bits hardware sets in them harvested for live migration, and a software
//! RISC-V IOMMU with its driver helper to run it all end to end.
//!
//! - [`Table`]: one page table; map, unmap (also reporting what it
//!   removes), translate, harvest, clear by mask, split, merge, split-mode
//!   tracking that gives the layout back.  Freed on drop.
//! - [`LeafInfo`], [`Caps`]: the leaf at an address, what a configuration
//!   or table can hold.
//! - [`DirtyBitmap`], [`Gather`]: what a harvest fills in, what an edit
//!   leaves to invalidate and free.
//! - [`PhysMem`]: simulated physical memory for tables and guests.
//! - [`RvIommu`], [`RvDriver`]: the RISC-V IOMMU model and the driver that
//!   programs it (it owns the tables devices translate through).
//! - [`Error`]: every failure, by errno.
//!
//! - [`TableRange`]: a table cut into disjoint ranges ([`Table::ranges`])
//!   that threads edit at once.
//!
//! Threading follows `genpt/table.h`: edits through a [`Table`] need
//! `&mut self`; edits of disjoint ranges from many threads go through the
//! [`TableRange`]s of one [`Table::ranges`] call (the library allows them
//! at once; the handles check that the ranges share no address and no
//! leaf); hardware walks run beside anything (the IOMMU model's DMA is
//! `&self` and `Sync`).  The C headers (`include/genpt/*.h`, also
//! installed as man pages, e.g. `man genpt_map`) document every call in
//! full; the raw declarations are the `genpt-sys` crate.
//!
//! The live-migration loop with a device writing through the IOMMU model:
//! `examples/migrate.rs` (`cargo run --example migrate`).
//!
//! ```
//! use genpt::*;
//! let mut cfg = Config::new(Format::X86_64);
//! cfg.va_bits = 48;
//! let mut pt = Table::new(&cfg)?;
//! pt.map(0x20_0000, 0x4000_0000, 2 << 20, Prot::READ | Prot::WRITE, None)?;
//! pt.set_dirty_tracking(true)?;
//! pt.read_and_clear_dirty(0x20_0000, 2 << 20, DirtyFlags::NONE, None, None)?; // clean slate
//! pt.hw_access(0x20_5000, Access::Write)?;        // the hardware walk sets D
//! let mut bm = DirtyBitmap::new(0x20_0000, 2 << 20, 12)?;
//! let mut g = Gather::new();
//! pt.read_and_clear_dirty(0x20_0000, 2 << 20, DirtyFlags::NONE, Some(&mut bm), Some(&mut g))?;
//! assert_eq!(bm.count(), 512);                    // one 2 MiB leaf: every 4K page
//! assert!(g.range().is_some());                   // invalidate it, then:
//! pt.gather_release(&mut g)?;
//! # Ok::<(), genpt::Error>(())
//! ```
#![warn(missing_docs)]

mod dirty;
mod discovery;
mod error;
mod physmem;
mod ranges;
mod riscv;
mod table;

pub use dirty::{DirtyBitmap, Gather};
pub use discovery::{Caps, LeafInfo};
pub use error::{Error, Result};
pub use physmem::PhysMem;
pub use ranges::TableRange;
pub use riscv::{
    fault_decode, Domain, Fault, Request, Response, RvDriver, RvDriverConfig, RvIommu, RvIommuConfig, RvStats,
    TableId,
};
pub use table::{Access, Config, DirtyFlags, Features, Format, HwInfo, Prot, Table};

/// The raw declarations (the `genpt-sys` crate), for what is not wrapped
/// here (the simulated IOMMU of `genpt/sim_iommu.h`, register constants).
pub use genpt_sys as sys;

/// `genpt_version()`: the version of the linked C library.
///
/// ```
/// assert_eq!(genpt::version(), genpt::sys::GENPT_VERSION_STRING);
/// ```
pub fn version() -> &'static str {
    // A static NUL-terminated ASCII string (version.h).
    unsafe { std::ffi::CStr::from_ptr(sys::genpt_version()) }.to_str().unwrap_or("?")
}
