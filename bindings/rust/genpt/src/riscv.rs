//! The RISC-V IOMMU model and the driver helper (`genpt/riscv_iommu.h`).
use std::collections::HashMap;
use std::marker::PhantomData;
use std::os::raw::c_void;
use std::ptr::NonNull;

use genpt_sys as sys;

use crate::dirty::{DirtyBitmap, RawBitmap};
use crate::error::{check, check_count, Error, Result};
use crate::physmem::PhysMem;
use crate::table::{Access, DirtyFlags, Prot, Table};

/// A software RISC-V IOMMU (specification v1.0): registers, command and
/// fault queues, device directory, first-stage and G-stage walks, IOTLB,
/// A/D updates.  Every structure it reads lives in the [`PhysMem`] it
/// borrows.
///
/// Thread safety (`Send + Sync`, every method `&self`): the C model
/// serializes register accesses itself, and translations and DMA may run
/// from any number of threads at once, also while registers are written and
/// tables edited, like devices beside a driver.
pub struct RvIommu<'m> {
    raw: NonNull<sys::genpt_rviommu>,
    _mem: PhantomData<&'m PhysMem>,
}

// SAFETY: see above (genpt/riscv_iommu.h, "Threads").
unsafe impl Send for RvIommu<'_> {}
unsafe impl Sync for RvIommu<'_> {}

/// One untranslated request (`struct genpt_rviommu_req`).
pub type Request = sys::genpt_rviommu_req;
/// The outcome of a translation (`struct genpt_rviommu_rsp`): `cause` 0 or
/// a fault cause (`GENPT_RVI_CAUSE_*`).
pub type Response = sys::genpt_rviommu_rsp;
/// A decoded fault record (`struct genpt_rviommu_fault`).
pub type Fault = sys::genpt_rviommu_fault;
/// The model's counters (`struct genpt_rviommu_stats`).
pub type RvStats = sys::genpt_rviommu_stats;

/// Model configuration (`struct genpt_rviommu_config`); zeros are defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RvIommuConfig {
    /// Capabilities register value; 0 = `GENPT_RVI_CAPS_MODEL`, everything.
    pub capabilities: u64,
    /// IOTLB translations (0 = 512).
    pub iotlb_entries: u32,
    /// Device-context cache entries (0 = 64).
    pub dc_cache_entries: u32,
}

impl<'m> RvIommu<'m> {
    /// `genpt_rviommu_create`: an IOMMU in reset state (Off) reaching memory
    /// through @mem.  InvalidArgument for capabilities it does not
    /// implement, NoMemory.
    pub fn new(cfg: &RvIommuConfig, mem: &'m PhysMem) -> Result<RvIommu<'m>> {
        let c = sys::genpt_rviommu_config {
            capabilities: cfg.capabilities,
            iotlb_entries: cfg.iotlb_entries,
            dc_cache_entries: cfg.dc_cache_entries,
            ..Default::default()
        };
        let mut raw = std::ptr::null_mut();
        check(unsafe { sys::genpt_rviommu_create(&c, &sys::genpt_physmem_ops, mem.ctx(), &mut raw) })?;
        Ok(RvIommu { raw: NonNull::new(raw).expect("genpt_rviommu_create gave NULL"), _mem: PhantomData })
    }

    /// `genpt_rviommu_reg_read`: @size 4 or 8 bytes at register @offset.
    pub fn reg_read(&self, offset: u32, size: u32) -> Result<u64> {
        let mut v = 0;
        check(unsafe { sys::genpt_rviommu_reg_read(self.raw.as_ptr(), offset, size, &mut v) })?;
        Ok(v)
    }

    /// `genpt_rviommu_reg_write`: writing `cqt` runs the queued commands.
    pub fn reg_write(&self, offset: u32, size: u32, value: u64) -> Result<()> {
        check(unsafe { sys::genpt_rviommu_reg_write(self.raw.as_ptr(), offset, size, value) })
    }

    /// `genpt_rviommu_translate`: translate one request as the IOMMU does;
    /// a fault is `Ok` with `cause != 0` (and a fault record).
    pub fn translate(&self, req: &Request) -> Result<Response> {
        let mut rsp = Response::default();
        check(unsafe { sys::genpt_rviommu_translate(self.raw.as_ptr(), req, &mut rsp) })?;
        Ok(rsp)
    }

    /// `genpt_rviommu_dma` writing @data at @iova for @device_id.
    /// BadAddress when a translation faulted (the pages before it were
    /// written).
    pub fn dma_write(&self, device_id: u32, iova: u64, data: &[u8]) -> Result<()> {
        // The model only reads the buffer of a write.
        let buf = data.as_ptr() as *mut c_void;
        check(unsafe { sys::genpt_rviommu_dma(self.raw.as_ptr(), device_id, iova, buf, data.len(), Access::Write.raw()) })
    }

    /// `genpt_rviommu_dma` reading into @buf (@access Read or Exec).
    pub fn dma_read(&self, device_id: u32, iova: u64, buf: &mut [u8], access: Access) -> Result<()> {
        if access == Access::Write {
            return Err(Error::InvalidArgument);
        }
        let p = buf.as_mut_ptr() as *mut c_void;
        check(unsafe { sys::genpt_rviommu_dma(self.raw.as_ptr(), device_id, iova, p, buf.len(), access.raw()) })
    }

    /// `genpt_rviommu_stats`.
    pub fn stats(&self) -> RvStats {
        let mut st = RvStats::default();
        unsafe { sys::genpt_rviommu_stats(self.raw.as_ptr(), &mut st) };
        st
    }

    /// The raw handle (valid while `self` lives).
    pub fn as_raw(&self) -> *mut sys::genpt_rviommu {
        self.raw.as_ptr()
    }
}

impl Drop for RvIommu<'_> {
    fn drop(&mut self) {
        unsafe { sys::genpt_rviommu_destroy(self.raw.as_ptr()) }
    }
}

/// `genpt_rviommu_fault_decode`: decode a 32-byte fault record.
pub fn fault_decode(rec: &[u64; 4]) -> Fault {
    let mut f = Fault::default();
    unsafe { sys::genpt_rviommu_fault_decode(rec.as_ptr(), &mut f) };
    f
}

/// How a table is attached: its stage and its context id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    /// First stage (iosatp); the table is Sv39/48/57.
    Stage1 {
        /// The process soft-context id (20 bits).
        pscid: u32,
    },
    /// G-stage (iohgatp); the table is Sv39x4/48x4/57x4.
    Stage2 {
        /// The guest soft-context id (16 bits).
        gscid: u32,
    },
}

/// A table the driver owns (from [`RvDriver::add_table`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TableId(usize);

/// Driver options (`struct genpt_rvdrv_config` without the callbacks);
/// zeros are defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RvDriverConfig {
    /// DDT levels 1..3 (0 = 3: every 24-bit device id).
    pub ddt_levels: u32,
    /// log2 of command-queue entries (0 = 8).
    pub cq_log2: u32,
    /// log2 of fault-queue entries (0 = 7).
    pub fq_log2: u32,
}

/// The driver helper over an [`RvIommu`]: queues, device directory, device
/// contexts, and the dirty-tracking flow (GADE/SADE, IOTINVAL, IOFENCE.C)
/// around the table engine.
///
/// The driver owns the tables it translates through ([`add_table`](Self::add_table)):
/// hardware keeps walking a table for as long as a device is attached to
/// it, so the table must not go away or be edited behind the driver's back.
/// Edits go through the driver, which invalidates what each needs; reads
/// through [`table`](Self::table).  [`remove_table`](Self::remove_table)
/// hands a table back once no device uses it.  Dropping the driver switches
/// the IOMMU off first, then frees the tables.
///
/// Threads: `Send + Sync`; edits take `&mut self`.  Device DMA goes through
/// the [`RvIommu`] (shared by reference with device threads) while the
/// driver edits and harvests.
///
/// ```
/// use genpt::*;
/// let pm = PhysMem::new(0, 64 << 20)?;
/// let iommu = RvIommu::new(&RvIommuConfig::default(), &pm)?;
/// let mut drv = RvDriver::new(&iommu, &pm, &RvDriverConfig::default())?;
/// let mut cfg = Config::new(Format::RiscV);
/// cfg.va_bits = 41; // Sv39x4
/// cfg.features = Features::RISCV_GSTAGE;
/// let t = drv.add_table(Table::with_physmem(&cfg, &pm)?);
/// let ram = pm.alloc(1 << 20, 1 << 20)?;
/// drv.map(t, 0, ram, 1 << 20, Prot::READ | Prot::WRITE)?;
/// drv.attach(7, t, Domain::Stage2 { gscid: 1 })?;
/// drv.set_dirty_tracking(t, true)?;
/// iommu.dma_write(7, 0x3000, &[0xab; 16])?;          // device 7 writes
/// let mut bm = DirtyBitmap::new(0, 1 << 20, 12)?;
/// drv.read_and_clear_dirty(t, 0, 1 << 20, DirtyFlags::NONE, Some(&mut bm))?;
/// assert_eq!(bm.iter().collect::<Vec<_>>(), vec![0x3000]);
/// let mut b = [0u8; 1];
/// pm.read(ram + 0x3000, &mut b)?;
/// assert_eq!(b[0], 0xab);
/// # Ok::<(), genpt::Error>(())
/// ```
pub struct RvDriver<'m> {
    raw: NonNull<sys::genpt_rvdrv>,
    tables: Vec<Option<Table<'m>>>,
    attached: HashMap<u32, TableId>,
    _iommu: PhantomData<&'m RvIommu<'m>>,
}

// SAFETY: the C driver serializes its calls with its own lock and has no
// thread affinity; the tables are Send + Sync; edits take &mut self.
unsafe impl Send for RvDriver<'_> {}
unsafe impl Sync for RvDriver<'_> {}

impl<'m> RvDriver<'m> {
    /// `genpt_rvdrv_create`: probe and enable @iommu through its registers,
    /// with the DDT and queues in @mem.  Io, TimedOut, NotSupported,
    /// NoMemory.
    pub fn new(iommu: &'m RvIommu<'_>, mem: &'m PhysMem, cfg: &RvDriverConfig) -> Result<RvDriver<'m>> {
        let c = sys::genpt_rvdrv_config {
            mmio: unsafe { &sys::genpt_rviommu_mmio_ops },
            mmio_ctx: iommu.as_raw() as *mut c_void,
            mem: unsafe { &sys::genpt_physmem_ops },
            mem_ctx: mem.ctx(),
            ddt_levels: cfg.ddt_levels,
            cq_log2: cfg.cq_log2,
            fq_log2: cfg.fq_log2,
        };
        let mut raw = std::ptr::null_mut();
        check(unsafe { sys::genpt_rvdrv_create(&c, &mut raw) })?;
        Ok(RvDriver {
            raw: NonNull::new(raw).expect("genpt_rvdrv_create gave NULL"),
            tables: Vec::new(),
            attached: HashMap::new(),
            _iommu: PhantomData,
        })
    }

    /// Hand @table to the driver; it lives until [`remove_table`](Self::remove_table)
    /// or the driver's drop.
    pub fn add_table(&mut self, table: Table<'m>) -> TableId {
        self.tables.push(Some(table));
        TableId(self.tables.len() - 1)
    }

    /// Take a table back: Busy while a device is attached to it, NotFound
    /// for an id already removed.
    pub fn remove_table(&mut self, t: TableId) -> Result<Table<'m>> {
        self.get(t)?;
        if self.attached.values().any(|&a| a == t) {
            return Err(Error::Busy);
        }
        Ok(self.tables[t.0].take().expect("checked"))
    }

    /// A table, to read (iova_to_phys, hw_info, ...).
    pub fn table(&self, t: TableId) -> Result<&Table<'m>> {
        self.get(t)
    }

    fn get(&self, t: TableId) -> Result<&Table<'m>> {
        self.tables.get(t.0).and_then(|x| x.as_ref()).ok_or(Error::NotFound)
    }

    fn raw_table(&self, t: TableId) -> Result<*mut sys::genpt> {
        self.get(t).map(|x| x.as_raw())
    }

    /// `genpt_rvdrv_attach`: device @device_id translates through table @t.
    /// AlreadyExists (device attached), Busy (id names another table),
    /// NotSupported, InvalidArgument (wrong kind of table for the stage).
    pub fn attach(&mut self, device_id: u32, t: TableId, dom: Domain) -> Result<()> {
        let pt = self.raw_table(t)?;
        let d = match dom {
            Domain::Stage1 { pscid } => sys::genpt_rvdrv_domain { stage: sys::GENPT_RVDRV_STAGE1, id: pscid },
            Domain::Stage2 { gscid } => sys::genpt_rvdrv_domain { stage: sys::GENPT_RVDRV_STAGE2, id: gscid },
        };
        check(unsafe { sys::genpt_rvdrv_attach(self.raw.as_ptr(), device_id, pt, &d) })?;
        self.attached.insert(device_id, t);
        Ok(())
    }

    /// `genpt_rvdrv_detach`: NotFound when not attached.
    pub fn detach(&mut self, device_id: u32) -> Result<()> {
        check(unsafe { sys::genpt_rvdrv_detach(self.raw.as_ptr(), device_id) })?;
        self.attached.remove(&device_id);
        Ok(())
    }

    /// `genpt_rvdrv_map`: map (new mappings need no invalidation).
    pub fn map(&mut self, t: TableId, iova: u64, pa: u64, len: u64, prot: Prot) -> Result<()> {
        let pt = self.raw_table(t)?;
        check(unsafe { sys::genpt_rvdrv_map(self.raw.as_ptr(), pt, iova, pa, len, prot.bits()) })
    }

    /// `genpt_rvdrv_unmap`: unmap, invalidate, fence, release.  Returns the
    /// bytes unmapped.
    pub fn unmap(&mut self, t: TableId, iova: u64, len: u64) -> Result<u64> {
        let pt = self.raw_table(t)?;
        let mut n = 0;
        check(unsafe { sys::genpt_rvdrv_unmap(self.raw.as_ptr(), pt, iova, len, &mut n) })?;
        Ok(n)
    }

    /// `genpt_rvdrv_unmap_read_dirty`: [`Table::unmap_read_dirty`] through
    /// the driver: the removed dirty leaves (and carried ranges) marked in
    /// @bitmap, then invalidate, fence, release, as [`unmap`](Self::unmap)
    /// does.  A device write racing the unmap is recorded or faults, never
    /// lost.  Returns the bytes unmapped.
    pub fn unmap_read_dirty(&mut self, t: TableId, iova: u64, len: u64, bitmap: Option<&mut DirtyBitmap>) -> Result<u64> {
        let pt = self.raw_table(t)?;
        let bm = RawBitmap::of(bitmap);
        let mut n = 0;
        check(unsafe { sys::genpt_rvdrv_unmap_read_dirty(self.raw.as_ptr(), pt, iova, len, bm.ptr(), &mut n) })?;
        Ok(n)
    }

    /// `genpt_rvdrv_set_dirty_tracking`: GADE/SADE for every device of the
    /// table, invalidation, then the table's tracking and a clean pass.
    /// NotSupported without AMO_HWAD.
    pub fn set_dirty_tracking(&mut self, t: TableId, enable: bool) -> Result<()> {
        let pt = self.raw_table(t)?;
        check(unsafe { sys::genpt_rvdrv_set_dirty_tracking(self.raw.as_ptr(), pt, enable) })
    }

    /// `genpt_rvdrv_set_dirty_tracking_split`: the same at `1 << page_shift`
    /// granularity (large leaves split on enable; on disable exactly the
    /// leaves the split replaced are merged back, see
    /// [`Table::set_dirty_tracking_split`]).
    pub fn set_dirty_tracking_split(&mut self, t: TableId, enable: bool, page_shift: u32) -> Result<()> {
        let pt = self.raw_table(t)?;
        check(unsafe { sys::genpt_rvdrv_set_dirty_tracking_split(self.raw.as_ptr(), pt, enable, page_shift) })
    }

    /// `genpt_rvdrv_read_and_clear_dirty`: harvest the range into @bitmap,
    /// then invalidate what was cleaned for every domain of the table
    /// (IOTINVAL.GVMA or .VMA), IOFENCE.C, and release: afterwards a copy
    /// of the reported pages holds every write the harvest saw, and any
    /// later write marks its page again.
    pub fn read_and_clear_dirty(
        &mut self,
        t: TableId,
        iova: u64,
        len: u64,
        flags: DirtyFlags,
        bitmap: Option<&mut DirtyBitmap>,
    ) -> Result<()> {
        let pt = self.raw_table(t)?;
        let bm = RawBitmap::of(bitmap);
        check(unsafe { sys::genpt_rvdrv_read_and_clear_dirty(self.raw.as_ptr(), pt, iova, len, flags.bits(), bm.ptr()) })
    }

    /// `genpt_rvdrv_invalidate`: invalidate `[first, last]` of every domain
    /// of the table and fence.
    pub fn invalidate(&mut self, t: TableId, first: u64, last: u64) -> Result<()> {
        let pt = self.raw_table(t)?;
        check(unsafe { sys::genpt_rvdrv_invalidate(self.raw.as_ptr(), pt, first, last) })
    }

    /// `genpt_rvdrv_poll_faults`: up to @max decoded fault records, and
    /// whether records were lost (the IOMMU's overflow bits, then cleared).
    pub fn poll_faults(&mut self, max: u32) -> Result<(Vec<Fault>, bool)> {
        let mut out = vec![Fault::default(); max as usize];
        let mut overflow = false;
        let n = check_count(unsafe {
            sys::genpt_rvdrv_poll_faults(self.raw.as_ptr(), out.as_mut_ptr(), max, &mut overflow)
        })?;
        out.truncate(n as usize);
        Ok((out, overflow))
    }

    /// `genpt_rvdrv_ddt_info`: (DDT root physical address, ddtp mode).
    pub fn ddt_info(&self) -> Result<(u64, u32)> {
        let (mut pa, mut mode) = (0, 0);
        check(unsafe { sys::genpt_rvdrv_ddt_info(self.raw.as_ptr(), &mut pa, &mut mode) })?;
        Ok((pa, mode))
    }
}

impl Drop for RvDriver<'_> {
    fn drop(&mut self) {
        // The IOMMU goes Off before any table it walked is freed (the
        // tables drop after this body).
        unsafe { sys::genpt_rvdrv_destroy(self.raw.as_ptr()) }
    }
}
