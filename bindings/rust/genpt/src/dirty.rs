//! What a harvest fills in ([`DirtyBitmap`]) and what an edit leaves for the
//! caller to finish ([`Gather`]).
use std::marker::PhantomData;

use genpt_sys as sys;

use crate::error::{Error, Result};

/// The dirty pages of `[iova, iova + length)`, one bit per
/// `1 << page_shift` bytes (the iommufd convention of
/// `struct genpt_dirty_bitmap`).  A harvest only ever sets bits.
///
/// ```
/// let mut bm = genpt::DirtyBitmap::new(0x10_0000, 64 << 12, 12)?;
/// assert_eq!(bm.count(), 0);
/// bm.set(0x10_3000);
/// assert!(bm.is_dirty(0x10_3fff));
/// assert_eq!(bm.iter().collect::<Vec<_>>(), vec![0x10_3000]);
/// bm.clear();
/// assert_eq!(bm.count(), 0);
/// # Ok::<(), genpt::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirtyBitmap {
    bits: Vec<u64>,
    iova: u64,
    length: u64,
    page_shift: u32,
}

impl DirtyBitmap {
    /// An empty bitmap.  @page_shift 12..=63, @iova aligned to the page,
    /// @length a non-zero multiple of it: else InvalidArgument.
    pub fn new(iova: u64, length: u64, page_shift: u32) -> Result<DirtyBitmap> {
        if !(12..64).contains(&page_shift) {
            return Err(Error::InvalidArgument);
        }
        let mask = (1u64 << page_shift) - 1;
        if length == 0 || iova & mask != 0 || length & mask != 0 || iova.checked_add(length - 1).is_none() {
            return Err(Error::InvalidArgument);
        }
        let pages = length >> page_shift;
        let words = usize::try_from((pages + 63) / 64).map_err(|_| Error::NoMemory)?;
        Ok(DirtyBitmap { bits: vec![0; words], iova, length, page_shift })
    }

    /// First address covered.
    pub fn iova(&self) -> u64 {
        self.iova
    }

    /// Bytes covered.
    pub fn length(&self) -> u64 {
        self.length
    }

    /// log2 of the bytes one bit covers.
    pub fn page_shift(&self) -> u32 {
        self.page_shift
    }

    /// The words (bit i of the bitmap is bit i % 64 of word i / 64).
    pub fn words(&self) -> &[u64] {
        &self.bits
    }

    fn index(&self, iova: u64) -> Option<u64> {
        if iova < self.iova || iova - self.iova >= self.length {
            return None;
        }
        Some((iova - self.iova) >> self.page_shift)
    }

    /// Whether the page holding @iova is marked (false outside the bitmap).
    pub fn is_dirty(&self, iova: u64) -> bool {
        self.index(iova).map_or(false, |i| self.bits[(i / 64) as usize] & (1 << (i % 64)) != 0)
    }

    /// Mark the page holding @iova (nothing outside the bitmap).
    pub fn set(&mut self, iova: u64) {
        if let Some(i) = self.index(iova) {
            self.bits[(i / 64) as usize] |= 1 << (i % 64);
        }
    }

    /// Number of marked pages.
    pub fn count(&self) -> u64 {
        self.bits.iter().map(|w| u64::from(w.count_ones())).sum()
    }

    /// Unmark everything (for the next round).
    pub fn clear(&mut self) {
        self.bits.iter_mut().for_each(|w| *w = 0);
    }

    /// The first address of every marked page, in order.
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        let (base, shift) = (self.iova, self.page_shift);
        self.bits.iter().enumerate().flat_map(move |(wi, &w)| {
            (0..64u64).filter(move |b| w & (1 << b) != 0).map(move |b| base + ((wi as u64 * 64 + b) << shift))
        })
    }

    /// The C view for a call that only reads the words (a mask).  The
    /// pointer is valid while `self` is borrowed; genpt never writes
    /// through a mask (`const struct genpt_dirty_bitmap *`, and the C side's
    /// fuzzer checks the mask's words are unchanged).
    pub(crate) fn raw_const(&self) -> sys::genpt_dirty_bitmap {
        sys::genpt_dirty_bitmap {
            bits: self.bits.as_ptr() as *mut u64,
            iova: self.iova,
            length: self.length,
            page_shift: self.page_shift,
        }
    }

    /// The C view; the pointer is valid while `self` is borrowed mutably.
    pub(crate) fn raw(&mut self) -> sys::genpt_dirty_bitmap {
        sys::genpt_dirty_bitmap {
            bits: self.bits.as_mut_ptr(),
            iova: self.iova,
            length: self.length,
            page_shift: self.page_shift,
        }
    }
}

/// The C view of an optional bitmap for one call (NULL for None), valid
/// while the bitmap stays borrowed.
pub(crate) struct RawBitmap<'a> {
    raw: Option<sys::genpt_dirty_bitmap>,
    _bitmap: PhantomData<&'a mut DirtyBitmap>,
}

impl<'a> RawBitmap<'a> {
    pub(crate) fn of(bitmap: Option<&'a mut DirtyBitmap>) -> RawBitmap<'a> {
        RawBitmap { raw: bitmap.map(|b| b.raw()), _bitmap: PhantomData }
    }

    pub(crate) fn ptr(&self) -> *const sys::genpt_dirty_bitmap {
        self.raw.as_ref().map_or(std::ptr::null(), |b| b as *const _)
    }
}

/// What an edit (unmap, harvest, split, merge, a failed map) leaves for the
/// caller: an IOVA range whose IOTLB entries must be invalidated, and table
/// pages to free only after that ([`Table::gather_release`](crate::Table::gather_release)).
///
/// A gather belongs to the first table that fills it: using it with another
/// table gives InvalidArgument, so pages always go back to the provider
/// they came from.  Dropping a gather that still holds pages leaks them
/// (into the provider: a [`PhysMem`](crate::PhysMem) gets them back when it is dropped);
/// release it instead.
#[derive(Debug)]
pub struct Gather {
    pub(crate) raw: sys::genpt_gather,
    pub(crate) owner: u64,
}

// SAFETY: the gather is plain data plus a list of table pages that only
// genpt_gather_release (through the owning table, &mut) touches.
unsafe impl Send for Gather {}
unsafe impl Sync for Gather {}

impl Default for Gather {
    fn default() -> Self {
        Gather::new()
    }
}

impl Gather {
    /// An empty gather (`genpt_gather_init`).
    pub fn new() -> Gather {
        let mut raw = sys::genpt_gather { start: 0, last: 0, freed: std::ptr::null_mut() };
        unsafe { sys::genpt_gather_init(&mut raw) };
        Gather { raw, owner: 0 }
    }

    /// The inclusive range to invalidate, None when empty.
    pub fn range(&self) -> Option<(u64, u64)> {
        if self.raw.start > self.raw.last {
            None
        } else {
            Some((self.raw.start, self.raw.last))
        }
    }

    /// Whether the gather holds table pages waiting for release.
    pub fn has_pages(&self) -> bool {
        !self.raw.freed.is_null()
    }

    /// Claim the gather for the table with id @table; InvalidArgument when
    /// another table holds it.
    pub(crate) fn claim(&mut self, table: u64) -> Result<*mut sys::genpt_gather> {
        if self.owner != 0 && self.owner != table {
            return Err(Error::InvalidArgument);
        }
        self.owner = table;
        Ok(&mut self.raw)
    }
}
