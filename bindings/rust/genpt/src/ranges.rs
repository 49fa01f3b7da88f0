//! Edits from many threads: a table cut into handles for disjoint ranges.
//!
//! The C library lets map, unmap, unmap_read_dirty, read_and_clear_dirty,
//! split, merge and gather_release run concurrently on disjoint ranges of
//! one table, where two ranges are disjoint when no address and no leaf or
//! contiguous run is in both.  [`Table::ranges`] checks exactly that once,
//! and each [`TableRange`] then refuses a call that reaches outside its
//! range, so the handles can go to different threads with no lock.  The
//! calls that need the table to themselves (reclaim, the tracking
//! switches, drop) wait until the handles are gone: `ranges` borrows the
//! table mutably.
use crate::dirty::{DirtyBitmap, Gather};
use crate::error::{check_count, Error, Result};
use genpt_sys as sys;
use crate::table::{Access, DirtyFlags, Prot, Table};

/// One range of a table, for edits from one thread while other threads
/// edit the other ranges of the same [`Table::ranges`] call.
///
/// ```
/// use genpt::*;
/// let mut pt = Table::new(&Config::new(Format::RiscV))?;
/// let gib = 1u64 << 30;
/// std::thread::scope(|s| -> Result<()> {
///     let threads: Vec<_> = pt
///         .ranges(&[(0, gib), (gib, gib)])?
///         .into_iter()
///         .map(|mut r| {
///             s.spawn(move || {
///                 let base = r.iova();
///                 r.map(base, 0x1_0000_0000 + base, 64 << 12, Prot::READ | Prot::WRITE, None)
///             })
///         })
///         .collect();
///     threads.into_iter().try_for_each(|t| t.join().expect("thread panicked"))
/// })?;
/// assert_eq!(pt.iova_to_phys(gib + 0x1000)?, 0x1_4000_1000);
/// # Ok::<(), genpt::Error>(())
/// ```
pub struct TableRange<'t, 'm> {
    table: &'t Table<'m>,
    first: u64,
    last: u64, // inclusive
}

// SAFETY: the library allows the edits a TableRange makes from any thread
// as long as no other call touches an address, leaf or run of its range;
// Table::ranges checked that the ranges share none, every call is checked
// to stay inside its handle, and the &mut borrow of the table keeps the
// exclusive calls away while handles live.  A handle's own calls need
// &mut self, so one handle is never used by two threads at once.
unsafe impl Send for TableRange<'_, '_> {}

impl<'m> Table<'m> {
    /// Handles for the ranges `(iova, len)` of @bounds, which must be
    /// disjoint: no address in two of them (InvalidArgument), and no leaf
    /// or contiguous run mapped across an edge of one (InvalidArgument:
    /// split it first, or cut elsewhere).  Zero length is InvalidArgument,
    /// a range wrapping past 2^64 Overflow.  Leaves made later through a
    /// handle stay inside it, so the check holds for the handles' lives.
    pub fn ranges<'t>(&'t mut self, bounds: &[(u64, u64)]) -> Result<Vec<TableRange<'t, 'm>>> {
        let mut sorted: Vec<(u64, u64)> = Vec::with_capacity(bounds.len());
        for &(iova, len) in bounds {
            if len == 0 {
                return Err(Error::InvalidArgument);
            }
            let last = iova.checked_add(len - 1).ok_or(Error::Overflow)?;
            sorted.push((iova, last));
        }
        sorted.sort_unstable();
        if sorted.windows(2).any(|w| w[0].1 >= w[1].0) {
            return Err(Error::InvalidArgument);
        }
        let table: &'t Table<'m> = self;
        for &(first, last) in &sorted {
            if table.leaf_across(first) || last.checked_add(1).map_or(false, |e| table.leaf_across(e)) {
                return Err(Error::InvalidArgument);
            }
        }
        Ok(bounds
            .iter()
            .map(|&(iova, len)| TableRange { table, first: iova, last: iova + (len - 1) })
            .collect())
    }

    /// `genpt_harvest_shards`: `[iova, iova + len)` cut into at most
    /// @n ranges `(iova, len)` of about equal harvest work (by what is
    /// mapped), with no leaf, run or word of @bitmap in two of them: ready
    /// for [`ranges`](Self::ranges), one harvest thread each.  Fewer come
    /// back where no cut can go.  InvalidArgument (n = 0 or over 65536, a
    /// range outside @bitmap), Overflow, OutOfRange.
    ///
    /// ```
    /// use genpt::*;
    /// let mut pt = Table::new(&Config::new(Format::AmdV1))?;
    /// pt.map(0, 0x1_0000_1000, 64 << 20, Prot::READ | Prot::WRITE, None)?;
    /// let shards = pt.harvest_shards(0, 64 << 20, None, 2)?;
    /// assert_eq!(shards.iter().map(|s| s.1).sum::<u64>(), 64 << 20);
    /// let handles = pt.ranges(&shards)?; // one per harvest thread
    /// assert_eq!(handles.len(), shards.len());
    /// # Ok::<(), genpt::Error>(())
    /// ```
    pub fn harvest_shards(&self, iova: u64, len: u64, bitmap: Option<&DirtyBitmap>, n: u32) -> Result<Vec<(u64, u64)>> {
        let mut out = vec![sys::genpt_shard::default(); (n as usize).min(65536)];
        let bm = bitmap.map(|b| b.raw_const());
        let bp = bm.as_ref().map_or(std::ptr::null(), |b| b as *const sys::genpt_dirty_bitmap);
        let got = check_count(unsafe {
            sys::genpt_harvest_shards(self.as_raw(), iova, len, bp, out.as_mut_ptr(), n)
        })?;
        Ok(out[..got as usize].iter().map(|s| (s.iova, s.len)).collect())
    }

    /// Whether a leaf (or run) maps both `edge - 1` and `edge`.
    fn leaf_across(&self, edge: u64) -> bool {
        edge != 0 && self.leaf_lookup(edge).map_or(false, |l| l.first < edge)
    }
}

impl<'t, 'm> TableRange<'t, 'm> {
    /// First address of the range.
    pub fn iova(&self) -> u64 {
        self.first
    }

    /// Bytes in the range (0 for the whole 2^64 space).
    pub fn len(&self) -> u64 {
        (self.last - self.first).wrapping_add(1)
    }

    /// Never true: a range holds at least one byte.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// OutOfRange unless `[iova, iova + len)` lies inside the handle (a
    /// zero or wrapping length is left to the library to refuse).
    fn inside(&self, iova: u64, len: u64) -> Result<()> {
        match len.checked_sub(1).and_then(|l| iova.checked_add(l)) {
            Some(last) if iova < self.first || last > self.last => Err(Error::OutOfRange),
            _ => Ok(()),
        }
    }

    /// [`Table::map`] inside the range.
    pub fn map(&mut self, iova: u64, oa: u64, len: u64, prot: Prot, gather: Option<&mut Gather>) -> Result<()> {
        self.inside(iova, len)?;
        self.table.map_shared(iova, oa, len, prot, gather)
    }

    /// [`Table::unmap`] inside the range.
    pub fn unmap(&mut self, iova: u64, len: u64, gather: Option<&mut Gather>) -> Result<u64> {
        self.inside(iova, len)?;
        self.table.unmap_shared(iova, len, gather)
    }

    /// [`Table::unmap_read_dirty`] inside the range.
    pub fn unmap_read_dirty(
        &mut self,
        iova: u64,
        len: u64,
        bitmap: Option<&mut DirtyBitmap>,
        gather: Option<&mut Gather>,
    ) -> Result<u64> {
        self.inside(iova, len)?;
        self.table.unmap_read_dirty_shared(iova, len, bitmap, gather)
    }

    /// [`Table::read_and_clear_dirty`] inside the range.
    pub fn read_and_clear_dirty(
        &mut self,
        iova: u64,
        len: u64,
        flags: DirtyFlags,
        bitmap: Option<&mut DirtyBitmap>,
        gather: Option<&mut Gather>,
    ) -> Result<()> {
        self.inside(iova, len)?;
        self.table.read_and_clear_dirty_shared(iova, len, flags, bitmap, gather)
    }

    /// [`Table::split`] inside the range.
    pub fn split(&mut self, iova: u64, len: u64, page_shift: u32, gather: Option<&mut Gather>) -> Result<()> {
        self.inside(iova, len)?;
        self.table.split_shared(iova, len, page_shift, gather)
    }

    /// [`Table::merge`] inside the range.
    pub fn merge(&mut self, iova: u64, len: u64, gather: Option<&mut Gather>) -> Result<()> {
        self.inside(iova, len)?;
        self.table.merge_shared(iova, len, gather)
    }

    /// [`Table::gather_release`] of a gather whose range lies inside this
    /// one (OutOfRange otherwise; an empty gather is fine).
    pub fn gather_release(&mut self, gather: &mut Gather) -> Result<()> {
        if let Some((start, last)) = gather.range() {
            if start < self.first || last > self.last {
                return Err(Error::OutOfRange);
            }
        }
        self.table.gather_release_shared(gather)
    }

    /// [`Table::hw_access`] (any address: hardware walks run beside anything).
    pub fn hw_access(&self, iova: u64, access: Access) -> Result<u64> {
        self.table.hw_access(iova, access)
    }

    /// [`Table::iova_to_phys`] (any address: lookups run beside anything).
    pub fn iova_to_phys(&self, iova: u64) -> Result<u64> {
        self.table.iova_to_phys(iova)
    }
}
