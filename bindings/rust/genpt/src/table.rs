//! IO page tables (`genpt/table.h`).
use std::marker::PhantomData;
use std::ops::BitOr;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};

use genpt_sys as sys;

use crate::dirty::{DirtyBitmap, Gather, RawBitmap};
use crate::error::{check, Result};
use crate::physmem::PhysMem;

/// The page-table formats (`enum genpt_format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// RISC-V Sv39/48/57, or Sv39x4/48x4/57x4 with [`Features::RISCV_GSTAGE`].
    RiscV,
    /// ARM VMSAv8-64 long descriptors (SMMUv3), stage 1 or 2.
    Armv8,
    /// x86-64 4/5-level (VT-d first stage, AMD v2).
    X86_64,
    /// Intel VT-d second stage.
    VtdSecondStage,
    /// AMD IOMMU v1 host tables.
    AmdV1,
}

impl Format {
    fn raw(self) -> sys::genpt_format {
        match self {
            Format::RiscV => sys::GENPT_FMT_RISCV,
            Format::Armv8 => sys::GENPT_FMT_ARMV8,
            Format::X86_64 => sys::GENPT_FMT_X86_64,
            Format::VtdSecondStage => sys::GENPT_FMT_VTDSS,
            Format::AmdV1 => sys::GENPT_FMT_AMDV1,
        }
    }
}

macro_rules! bitset {
    ($(#[$m:meta])* $name:ident($t:ty) { $($(#[$cm:meta])* $c:ident = $v:expr;)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub struct $name(pub $t);
        impl $name {
            $($(#[$cm])* pub const $c: $name = $name($v);)*
            /// No bit set.
            pub const NONE: $name = $name(0);
            /// The raw bits.
            pub fn bits(self) -> $t { self.0 }
        }
        impl BitOr for $name {
            type Output = $name;
            fn bitor(self, o: $name) -> $name { $name(self.0 | o.0) }
        }
    };
}

bitset! {
    /// `GENPT_FEAT_*` bits of a [`Config`]; a bit of another format is
    /// InvalidArgument.
    Features(u64) {
        /// RISC-V second stage (iohgatp): Sv39x4/48x4/57x4.
        RISCV_GSTAGE = sys::GENPT_FEAT_RISCV_GSTAGE;
        /// RISC-V 64 KiB NAPOT leaves.
        RISCV_SVNAPOT = sys::GENPT_FEAT_RISCV_SVNAPOT;
        /// RISC-V PBMT bits for MMIO / non-cacheable.
        RISCV_SVPBMT = sys::GENPT_FEAT_RISCV_SVPBMT;
        /// ARMv8 stage 2.
        ARMV8_S2 = sys::GENPT_FEAT_ARMV8_S2;
        /// ARMv8 contiguous hint runs.
        ARMV8_CONTIG = sys::GENPT_FEAT_ARMV8_CONTIG;
        /// ARMv8 hardware dirty state via DBM.
        ARMV8_DBM = sys::GENPT_FEAT_ARMV8_DBM;
        /// VT-d snoop control.
        VTDSS_SNP = sys::GENPT_FEAT_VTDSS_SNP;
        /// Every format that has it (x86-64, VT-d second stage, AMD v1;
        /// others Unsupported): the harvest skips the subtrees whose table
        /// accessed flag hardware left clear.  Invalidate each harvest's
        /// gather, paging-structure caches included, before the next one.
        TABLE_ACCESSED = sys::GENPT_FEAT_TABLE_ACCESSED;
    }
}

bitset! {
    /// Permissions and attributes of a mapping (`GENPT_READ`, ...); READ or
    /// WRITE is required.
    Prot(u32) {
        /// Readable.
        READ = sys::GENPT_READ;
        /// Writable.
        WRITE = sys::GENPT_WRITE;
        /// No instruction fetch.
        NOEXEC = sys::GENPT_NOEXEC;
        /// Device memory.
        MMIO = sys::GENPT_MMIO;
        /// Cacheable, coherent with CPU caches.
        CACHE = sys::GENPT_CACHE;
    }
}

bitset! {
    /// Flags of a harvest.
    DirtyFlags(u32) {
        /// Report, leave the dirty state as it is (`GENPT_DIRTY_NO_CLEAR`).
        NO_CLEAR = sys::GENPT_DIRTY_NO_CLEAR;
    }
}

/// An access by hardware ([`Table::hw_access`], the IOMMU models).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// `GENPT_ACCESS_READ`.
    Read,
    /// `GENPT_ACCESS_WRITE`.
    Write,
    /// `GENPT_ACCESS_EXEC`.
    Exec,
}

impl Access {
    pub(crate) fn raw(self) -> u32 {
        match self {
            Access::Read => sys::GENPT_ACCESS_READ,
            Access::Write => sys::GENPT_ACCESS_WRITE,
            Access::Exec => sys::GENPT_ACCESS_EXEC,
        }
    }
}

/// What [`Table::new`] builds (`struct genpt_config` without the provider).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// The format.
    pub format: Format,
    /// Input address width; 0 = the format's widest.  RISC-V 39/48/57 (41/50/59
    /// for G-stage), x86-64 48/57, VT-d 39/48/57, AMD v1 21..64, ARM 25..52.
    pub va_bits: u32,
    /// Output address width; 0 = the format's maximum.
    pub oa_bits: u32,
    /// Granule, log2: ARMv8 12, 14 or 16; others 0 or 12.
    pub granule_bits: u32,
    /// Feature bits.
    pub features: Features,
}

impl Config {
    /// A configuration of @format with every width at its default.
    pub fn new(format: Format) -> Config {
        Config { format, va_bits: 0, oa_bits: 0, granule_bits: 0, features: Features::NONE }
    }

    /// The C config with the provider @mem / @ctx.
    pub(crate) fn raw(&self, mem: *const sys::genpt_mem_ops, ctx: *mut std::os::raw::c_void) -> sys::genpt_config {
        sys::genpt_config {
            format: self.format.raw(),
            va_bits: self.va_bits,
            oa_bits: self.oa_bits,
            granule_bits: self.granule_bits,
            features: self.features.0,
            mem,
            mem_ctx: ctx,
        }
    }
}

/// What hardware is programmed with to walk a table (`struct genpt_hw_info`).
pub type HwInfo = sys::genpt_hw_info;

/// Ids that tie a [`Gather`] to its table; never reused.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// One IO page table.  Freed (every table page and the handle) on drop.
///
/// `'m` is the memory it lives in: `'static` for host memory
/// ([`Table::new`]), the borrow of a [`PhysMem`] for [`Table::with_physmem`].
///
/// # Threads
///
/// genpt's rule (`genpt/table.h`) is that calls editing a table must be
/// serialized by the caller, while hardware walks may run beside anything.
/// Here the edits (map, unmap, harvest, tracking switches, split, merge,
/// gather release) take `&mut self`, so the borrow checker serializes them,
/// and the table is `Send`: it may move to another thread.  The `&self`
/// calls ([`iova_to_phys`](Self::iova_to_phys), [`hw_access`](Self::hw_access),
/// [`hw_info`](Self::hw_info), [`table_bytes`](Self::table_bytes),
/// [`dirty_tracking`](Self::dirty_tracking)) only read the table or update
/// it the way hardware does (one atomic compare-and-swap per entry), which
/// the C library allows concurrently with each other, so the table is also
/// `Sync`.  A device that must write while the owner edits goes through an
/// IOMMU model that walks the table's memory itself (see
/// [`RvDriver`](crate::RvDriver), which owns its tables for that reason).
///
/// ```
/// use genpt::{Config, Features, Format, Prot, Table};
/// let mut cfg = Config::new(Format::RiscV);
/// cfg.va_bits = 39;
/// let mut pt = Table::new(&cfg)?;
/// pt.map(0x4000_0000, 0x8000_0000, 2 << 20, Prot::READ | Prot::WRITE, None)?;
/// assert_eq!(pt.iova_to_phys(0x4000_1234)?, 0x8000_1234);
/// assert_eq!(pt.iova_to_phys(0x1000), Err(genpt::Error::NotFound));
/// assert_eq!(pt.unmap(0x4000_0000, 2 << 20, None)?, 2 << 20);
/// # Ok::<(), genpt::Error>(())
/// ```
pub struct Table<'m> {
    raw: NonNull<sys::genpt>,
    id: u64,
    _mem: PhantomData<&'m PhysMem>,
}

// SAFETY: see "Threads" above: the C table has no thread affinity (its
// host-memory provider is the C library's allocator, a PhysMem is thread
// safe), edits need &mut, and the &self calls may run concurrently.
unsafe impl Send for Table<'_> {}
unsafe impl Sync for Table<'_> {}

fn create(cfg: &Config, mem: *const sys::genpt_mem_ops, ctx: *mut std::os::raw::c_void) -> Result<NonNull<sys::genpt>> {
    let c = cfg.raw(mem, ctx);
    let mut raw = std::ptr::null_mut();
    check(unsafe { sys::genpt_create(&c, &mut raw) })?;
    Ok(NonNull::new(raw).expect("genpt_create gave NULL"))
}

impl Table<'static> {
    /// `genpt_create` over host memory (physical address = host address):
    /// fine for software, not for the IOMMU models, which reach memory
    /// through a [`PhysMem`].  InvalidArgument for a bad config,
    /// NotSupported, NoMemory.  Dirty tracking starts off.
    pub fn new(cfg: &Config) -> Result<Table<'static>> {
        let raw = create(cfg, std::ptr::null(), std::ptr::null_mut())?;
        Ok(Table { raw, id: NEXT_ID.fetch_add(1, Ordering::Relaxed), _mem: PhantomData })
    }
}

impl<'m> Table<'m> {
    /// `genpt_create` with its table pages in @pm (what the IOMMU models walk).
    pub fn with_physmem(cfg: &Config, pm: &'m PhysMem) -> Result<Table<'m>> {
        let raw = create(cfg, unsafe { &sys::genpt_physmem_ops }, pm.ctx())?;
        Ok(Table { raw, id: NEXT_ID.fetch_add(1, Ordering::Relaxed), _mem: PhantomData })
    }

    /// The raw handle, for calls this crate does not wrap.  Valid while
    /// `self` lives; the caller keeps the threading rules.
    pub fn as_raw(&self) -> *mut sys::genpt {
        self.raw.as_ptr()
    }

    fn gather_ptr(&self, g: Option<&mut Gather>) -> Result<*mut sys::genpt_gather> {
        match g {
            Some(g) => g.claim(self.id),
            None => Ok(std::ptr::null_mut()),
        }
    }

    /// `genpt_map`: map `[iova, iova + len)` to `[oa, oa + len)` with the
    /// largest leaves alignment allows; all or nothing.  InvalidArgument
    /// (shape, prot), Overflow, OutOfRange, AlreadyExists, NoMemory.  After a
    /// failure that had written part of the range, the undone part is in
    /// @gather (pages freed at once when None).
    pub fn map(&mut self, iova: u64, oa: u64, len: u64, prot: Prot, gather: Option<&mut Gather>) -> Result<()> {
        self.map_shared(iova, oa, len, prot, gather)
    }

    /// [`map`](Self::map) through a shared reference: for callers that keep
    /// the threading rules themselves (the disjoint ranges of `Table::ranges`).
    pub(crate) fn map_shared(&self, iova: u64, oa: u64, len: u64, prot: Prot, gather: Option<&mut Gather>) -> Result<()> {
        let g = self.gather_ptr(gather)?;
        check(unsafe { sys::genpt_map(self.raw.as_ptr(), iova, oa, len, prot.0, g) })
    }

    /// `genpt_unmap`: remove every leaf inside the range (holes fine; a leaf
    /// straddling an end is InvalidArgument and nothing is removed).
    /// Returns the bytes unmapped; emptied tables go to @gather.
    pub fn unmap(&mut self, iova: u64, len: u64, gather: Option<&mut Gather>) -> Result<u64> {
        self.unmap_shared(iova, len, gather)
    }

    /// [`unmap`](Self::unmap) through a shared reference: for callers that keep
    /// the threading rules themselves (the disjoint ranges of `Table::ranges`).
    pub(crate) fn unmap_shared(&self, iova: u64, len: u64, gather: Option<&mut Gather>) -> Result<u64> {
        let g = self.gather_ptr(gather)?;
        let mut n = 0;
        check(unsafe { sys::genpt_unmap(self.raw.as_ptr(), iova, len, g, &mut n) })?;
        Ok(n)
    }

    /// `genpt_reclaim`: unlink every table page below the root that maps
    /// nothing (unmaps that cover a table only in part, and failed maps,
    /// leave them) into @gather (pages freed at once when None).  Returns
    /// the bytes of table pages unlinked.
    ///
    /// ```
    /// use genpt::{Config, Format, Prot, Table};
    /// let mut t = Table::new(&Config::new(Format::RiscV)).unwrap();
    /// t.map(0x20_0000, 0x4000_0000, 0x1000, Prot::READ | Prot::WRITE, None).unwrap();
    /// t.unmap(0x20_0000, 0x1000, None).unwrap();
    /// assert!(t.reclaim(None).unwrap() > 0);
    /// ```
    pub fn reclaim(&mut self, gather: Option<&mut Gather>) -> Result<u64> {
        let g = self.gather_ptr(gather)?;
        let mut n = 0;
        check(unsafe { sys::genpt_reclaim(self.raw.as_ptr(), g, &mut n) })?;
        Ok(n)
    }

    /// `genpt_unmap_read_dirty`: [`unmap`](Self::unmap) that marks in
    /// @bitmap every removed leaf that was write-dirty (every removed
    /// writable leaf while tracking is off) and every carried dirty range
    /// inside the range: the call for a guest unmapping during pre-copy,
    /// since each entry is taken out with an atomic exchange and a racing
    /// device write is recorded or faults, never lost.  Returns the bytes
    /// unmapped.  The range must lie inside the bitmap (InvalidArgument);
    /// None is a plain unmap; NotSupported with a bitmap when the table has
    /// no dirty state.
    ///
    /// ```
    /// use genpt::*;
    /// let mut pt = Table::new(&Config::new(Format::VtdSecondStage))?;
    /// pt.map(0x10_0000, 0x8000_0000, 8 << 12, Prot::READ | Prot::WRITE, None)?;
    /// pt.set_dirty_tracking(true)?;
    /// pt.read_and_clear_dirty(0x10_0000, 8 << 12, DirtyFlags::NONE, None, None)?;
    /// pt.hw_access(0x10_3000, Access::Write)?;
    /// let mut bm = DirtyBitmap::new(0x10_0000, 8 << 12, 12)?;
    /// let mut g = Gather::new();
    /// assert_eq!(pt.unmap_read_dirty(0x10_0000, 8 << 12, Some(&mut bm), Some(&mut g))?, 8 << 12);
    /// assert_eq!(bm.iter().collect::<Vec<_>>(), vec![0x10_3000]);
    /// pt.gather_release(&mut g)?; // after invalidating g.range()
    /// # Ok::<(), genpt::Error>(())
    /// ```
    pub fn unmap_read_dirty(
        &mut self,
        iova: u64,
        len: u64,
        bitmap: Option<&mut DirtyBitmap>,
        gather: Option<&mut Gather>,
    ) -> Result<u64> {
        self.unmap_read_dirty_shared(iova, len, bitmap, gather)
    }

    /// [`unmap_read_dirty`](Self::unmap_read_dirty) through a shared reference: for callers that keep
    /// the threading rules themselves (the disjoint ranges of `Table::ranges`).
    pub(crate) fn unmap_read_dirty_shared(
        &self,
        iova: u64,
        len: u64,
        bitmap: Option<&mut DirtyBitmap>,
        gather: Option<&mut Gather>,
    ) -> Result<u64> {
        let g = self.gather_ptr(gather)?;
        let bm = RawBitmap::of(bitmap);
        let mut n = 0;
        check(unsafe { sys::genpt_unmap_read_dirty(self.raw.as_ptr(), iova, len, bm.ptr(), g, &mut n) })?;
        Ok(n)
    }

    /// `genpt_clear_dirty`: make write-clean exactly the pages marked in
    /// @mask (its whole range; aligned to the granule), the second half of
    /// a harvest read with [`DirtyFlags::NO_CLEAR`]: clear only the pages
    /// about to be copied, just before copying them.  A leaf the mask names
    /// only in part is cleaned whole and its dirty pages the mask leaves
    /// out are carried to the next harvest, so nothing is lost.  Cleaned
    /// leaves go to @gather (invalidate before trusting hardware to mark
    /// them again).  While tracking is off nothing is cleaned.
    /// InvalidArgument, OutOfRange, NotSupported.
    ///
    /// ```
    /// use genpt::*;
    /// let mut pt = Table::new(&Config::new(Format::AmdV1))?;
    /// pt.map(0, 0x4000_1000, 4 << 12, Prot::READ | Prot::WRITE, None)?; // 4 KiB leaves
    /// pt.set_dirty_tracking(true)?;
    /// pt.read_and_clear_dirty(0, 4 << 12, DirtyFlags::NONE, None, None)?;
    /// pt.hw_access(0x1000, Access::Write)?;
    /// pt.hw_access(0x2000, Access::Write)?;
    /// let mut mask = DirtyBitmap::new(0, 4 << 12, 12)?;
    /// mask.set(0x1000); // about to copy this page only
    /// pt.clear_dirty(&mask, None)?;
    /// let mut bm = DirtyBitmap::new(0, 4 << 12, 12)?;
    /// pt.read_and_clear_dirty(0, 4 << 12, DirtyFlags::NO_CLEAR, Some(&mut bm), None)?;
    /// assert_eq!(bm.iter().collect::<Vec<_>>(), vec![0x2000]);
    /// # Ok::<(), genpt::Error>(())
    /// ```
    pub fn clear_dirty(&mut self, mask: &DirtyBitmap, gather: Option<&mut Gather>) -> Result<()> {
        let g = self.gather_ptr(gather)?;
        let m = mask.raw_const();
        check(unsafe { sys::genpt_clear_dirty(self.raw.as_ptr(), &m, g) })
    }

    /// `genpt_iova_to_phys`: NotFound when unmapped, OutOfRange outside
    /// the input space.
    pub fn iova_to_phys(&self, iova: u64) -> Result<u64> {
        let mut oa = 0;
        check(unsafe { sys::genpt_iova_to_phys(self.raw.as_ptr(), iova, &mut oa) })?;
        Ok(oa)
    }

    /// `genpt_read_and_clear_dirty`: mark in @bitmap every page of every
    /// write-dirty leaf in the range and (without NO_CLEAR) clean the leaves
    /// wholly inside it, adding their range to @gather: invalidate the
    /// IOTLB for it before trusting hardware to mark those pages again.
    /// The range must lie inside the bitmap (InvalidArgument);
    /// NotSupported when the table has no dirty state.
    pub fn read_and_clear_dirty(
        &mut self,
        iova: u64,
        len: u64,
        flags: DirtyFlags,
        bitmap: Option<&mut DirtyBitmap>,
        gather: Option<&mut Gather>,
    ) -> Result<()> {
        self.read_and_clear_dirty_shared(iova, len, flags, bitmap, gather)
    }

    /// [`read_and_clear_dirty`](Self::read_and_clear_dirty) through a shared reference: for callers that keep
    /// the threading rules themselves (the disjoint ranges of `Table::ranges`).
    pub(crate) fn read_and_clear_dirty_shared(
        &self,
        iova: u64,
        len: u64,
        flags: DirtyFlags,
        bitmap: Option<&mut DirtyBitmap>,
        gather: Option<&mut Gather>,
    ) -> Result<()> {
        let g = self.gather_ptr(gather)?;
        let bm = RawBitmap::of(bitmap);
        check(unsafe { sys::genpt_read_and_clear_dirty(self.raw.as_ptr(), iova, len, flags.0, bm.ptr(), g) })
    }

    /// `genpt_set_dirty_tracking`: on, new writable leaves start clean; off,
    /// every writable leaf becomes dirty.  NotSupported without dirty state.
    pub fn set_dirty_tracking(&mut self, enable: bool) -> Result<()> {
        check(unsafe { sys::genpt_set_dirty_tracking(self.raw.as_ptr(), enable) })
    }

    /// `genpt_dirty_tracking`: whether tracking is on.
    pub fn dirty_tracking(&self) -> bool {
        unsafe { sys::genpt_dirty_tracking(self.raw.as_ptr()) == 1 }
    }

    /// `genpt_split`: re-express the leaves meeting the range that are
    /// larger than `1 << page_shift` with smaller ones (atomically for a
    /// concurrent walker); the replaced ranges go to @gather.  NotFound
    /// when no leaf meets the range.
    pub fn split(&mut self, iova: u64, len: u64, page_shift: u32, gather: Option<&mut Gather>) -> Result<()> {
        self.split_shared(iova, len, page_shift, gather)
    }

    /// [`split`](Self::split) through a shared reference: for callers that keep
    /// the threading rules themselves (the disjoint ranges of `Table::ranges`).
    pub(crate) fn split_shared(&self, iova: u64, len: u64, page_shift: u32, gather: Option<&mut Gather>) -> Result<()> {
        let g = self.gather_ptr(gather)?;
        check(unsafe { sys::genpt_split(self.raw.as_ptr(), iova, len, page_shift, g) })
    }

    /// `genpt_merge`: the reverse of [`split`](Self::split) inside the range.
    pub fn merge(&mut self, iova: u64, len: u64, gather: Option<&mut Gather>) -> Result<()> {
        self.merge_shared(iova, len, gather)
    }

    /// [`merge`](Self::merge) through a shared reference: for callers that keep
    /// the threading rules themselves (the disjoint ranges of `Table::ranges`).
    pub(crate) fn merge_shared(&self, iova: u64, len: u64, gather: Option<&mut Gather>) -> Result<()> {
        let g = self.gather_ptr(gather)?;
        check(unsafe { sys::genpt_merge(self.raw.as_ptr(), iova, len, g) })
    }

    /// `genpt_set_dirty_tracking_split`: tracking at `1 << page_shift`
    /// granularity.  Enable splits every larger leaf; disable switches
    /// tracking off and merges back exactly the leaves the split replaced,
    /// so a cancelled migration leaves the layout as it was, leaf by leaf
    /// (ranges changed meanwhile stay as they are; [`merge`](Self::merge)
    /// merges whatever can be).  Busy while a driver owns the tracking
    /// state.
    ///
    /// ```
    /// use genpt::*;
    /// let mut pt = Table::new(&Config::new(Format::X86_64))?;
    /// pt.map(0x20_0000, 0x4000_0000, 2 << 20, Prot::READ | Prot::WRITE, None)?;
    /// pt.map(0x40_0000, 0x4020_0000, 4 << 12, Prot::READ | Prot::WRITE, None)?;
    /// pt.map(0x40_4000, 0x4020_4000, 4 << 12, Prot::READ | Prot::WRITE, None)?;
    /// pt.set_dirty_tracking_split(true, 12, None)?;
    /// assert_eq!(pt.leaf_lookup(0x20_0000)?.size, 4 << 10);
    /// pt.set_dirty_tracking_split(false, 12, None)?; // cancelled
    /// assert_eq!(pt.leaf_lookup(0x20_0000)?.size, 2 << 20, "the 2 MiB leaf is back");
    /// assert_eq!(pt.leaf_lookup(0x40_0000)?.size, 4 << 10, "the small pages stay");
    /// # Ok::<(), genpt::Error>(())
    /// ```
    pub fn set_dirty_tracking_split(&mut self, enable: bool, page_shift: u32, gather: Option<&mut Gather>) -> Result<()> {
        let g = self.gather_ptr(gather)?;
        check(unsafe { sys::genpt_set_dirty_tracking_split(self.raw.as_ptr(), enable, page_shift, g) })
    }

    /// `genpt_hw_access`: the format's reference hardware walk doing one
    /// access (setting A/D while tracking is on).  Returns the output
    /// address; NotFound, AccessFault, BadAddress, OutOfRange.
    pub fn hw_access(&self, iova: u64, access: Access) -> Result<u64> {
        let mut oa = 0;
        check(unsafe { sys::genpt_hw_access(self.raw.as_ptr(), iova, access.raw(), &mut oa) })?;
        Ok(oa)
    }

    /// `genpt_hw_info`: root address, levels, mode, RISC-V atp, ARM TCR...
    pub fn hw_info(&self) -> HwInfo {
        let mut info = HwInfo::default();
        let rc = unsafe { sys::genpt_hw_info(self.raw.as_ptr(), &mut info) };
        debug_assert_eq!(rc, 0);
        info
    }

    /// `genpt_table_bytes`: table memory held now (gathered pages excluded).
    pub fn table_bytes(&self) -> u64 {
        let mut n = 0;
        unsafe { sys::genpt_table_bytes(self.raw.as_ptr(), &mut n) };
        n
    }

    /// `genpt_gather_release`: after invalidating the IOTLB for
    /// `gather.range()`, give its pages back and empty it.
    /// InvalidArgument when the gather belongs to another table.
    pub fn gather_release(&mut self, gather: &mut Gather) -> Result<()> {
        self.gather_release_shared(gather)
    }

    /// [`gather_release`](Self::gather_release) through a shared reference: for callers that keep
    /// the threading rules themselves (the disjoint ranges of `Table::ranges`).
    pub(crate) fn gather_release_shared(&self, gather: &mut Gather) -> Result<()> {
        let g = gather.claim(self.id)?;
        check(unsafe { sys::genpt_gather_release(self.raw.as_ptr(), g) })?;
        gather.owner = 0;
        Ok(())
    }
}

impl Drop for Table<'_> {
    fn drop(&mut self) {
        unsafe { sys::genpt_destroy(self.raw.as_ptr()) }
    }
}

impl std::fmt::Debug for Table<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table").field("id", &self.id).field("hw_info", &self.hw_info()).finish()
    }
}
