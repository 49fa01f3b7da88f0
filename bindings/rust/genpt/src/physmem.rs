//! Simulated physical memory (`genpt_physmem`): tables, guest memory and
//! IOMMU structures at physical addresses, inside this process.
use std::marker::PhantomData;
use std::os::raw::c_void;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};

use genpt_sys as sys;

use crate::error::{check, Result};

/// A simulated physical address space `[base, base + size)`, reserved
/// lazily (untouched pages cost nothing).  Tables built over it
/// ([`Table::with_physmem`](crate::Table::with_physmem)) and the RISC-V
/// IOMMU model ([`RvIommu`](crate::RvIommu)) borrow it, so it outlives them.
///
/// Thread safety: every method may run from any thread (`Send + Sync`):
/// the C allocator is thread safe, and [`read`](Self::read) /
/// [`write`](Self::write) use relaxed atomic accesses, as the IOMMU models'
/// DMA does, so copying pages while devices write them is well defined.
///
/// ```
/// let pm = genpt::PhysMem::new(0x8000_0000, 64 << 20)?;
/// let pa = pm.alloc(8192, 4096)?;
/// pm.write(pa, b"hello")?;
/// let mut buf = [0u8; 5];
/// pm.read(pa, &mut buf)?;
/// assert_eq!(&buf, b"hello");
/// pm.free(pa, 8192)?;
/// # Ok::<(), genpt::Error>(())
/// ```
pub struct PhysMem {
    raw: NonNull<sys::genpt_physmem>,
    _not_auto: PhantomData<*mut ()>,
}

// SAFETY: genpt_physmem_* are thread safe (mem.h: "Thread safe"; the
// object has no thread affinity), and this type's own data accesses are
// atomic.
unsafe impl Send for PhysMem {}
unsafe impl Sync for PhysMem {}

impl PhysMem {
    /// `genpt_physmem_create`: @base 4 KiB aligned, @size a non-zero
    /// multiple of 4 KiB, not wrapping.  [`InvalidArgument`](crate::Error::InvalidArgument),
    /// [`NoMemory`](crate::Error::NoMemory).
    pub fn new(base: u64, size: u64) -> Result<PhysMem> {
        let mut raw = std::ptr::null_mut();
        check(unsafe { sys::genpt_physmem_create(base, size, &mut raw) })?;
        Ok(PhysMem { raw: NonNull::new(raw).expect("genpt_physmem_create gave NULL"), _not_auto: PhantomData })
    }

    /// `genpt_physmem_alloc`: zeroed memory, @size rounded up to a power of
    /// two of at least 4 KiB, aligned to the larger of that and @align.
    /// Returns the physical address.
    pub fn alloc(&self, size: u64, align: u64) -> Result<u64> {
        let mut pa = 0;
        check(unsafe { sys::genpt_physmem_alloc(self.raw.as_ptr(), size, align, &mut pa) })?;
        Ok(pa)
    }

    /// `genpt_physmem_free`: give back a block (@size as asked of alloc).
    pub fn free(&self, pa: u64, size: u64) -> Result<()> {
        check(unsafe { sys::genpt_physmem_free(self.raw.as_ptr(), pa, size) })
    }

    /// `genpt_physmem_stats`: (bytes allocated, live allocations).
    pub fn stats(&self) -> Result<(u64, u64)> {
        let (mut bytes, mut blocks) = (0, 0);
        check(unsafe { sys::genpt_physmem_stats(self.raw.as_ptr(), &mut bytes, &mut blocks) })?;
        Ok((bytes, blocks))
    }

    /// The host address of `[pa, pa + len)`, or BadAddress when any of it
    /// lies outside the simulated memory.
    fn span(&self, pa: u64, len: usize) -> Result<*mut u8> {
        if len == 0 {
            return Ok(NonNull::dangling().as_ptr());
        }
        let last = pa.checked_add(len as u64 - 1).ok_or(crate::Error::BadAddress)?;
        let p = unsafe { sys::genpt_physmem_ptr(self.raw.as_ptr(), pa) } as *mut u8;
        let q = unsafe { sys::genpt_physmem_ptr(self.raw.as_ptr(), last) } as *mut u8;
        // One host mapping backs the whole space: both ends inside it and
        // the right distance apart means every byte between is too.
        if p.is_null() || q.is_null() || (q as usize).wrapping_sub(p as usize) != len - 1 {
            return Err(crate::Error::BadAddress);
        }
        Ok(p)
    }

    /// Copy `buf.len()` bytes at physical address @pa into @buf (relaxed
    /// atomic loads).  BadAddress outside the memory.
    pub fn read(&self, pa: u64, buf: &mut [u8]) -> Result<()> {
        let p = self.span(pa, buf.len())?;
        // SAFETY: span() checked the range lies in the mapping, which lives
        // as long as self; atomics make concurrent DMA well defined.
        unsafe {
            if p as usize % 8 == 0 && buf.len() % 8 == 0 {
                for (i, chunk) in buf.chunks_exact_mut(8).enumerate() {
                    let w = (*(p.add(8 * i) as *const AtomicU64)).load(Ordering::Relaxed);
                    chunk.copy_from_slice(&w.to_ne_bytes());
                }
            } else {
                for (i, b) in buf.iter_mut().enumerate() {
                    *b = (*(p.add(i) as *const AtomicU8)).load(Ordering::Relaxed);
                }
            }
        }
        Ok(())
    }

    /// Copy @data to physical address @pa (relaxed atomic stores).
    /// BadAddress outside the memory.
    pub fn write(&self, pa: u64, data: &[u8]) -> Result<()> {
        let p = self.span(pa, data.len())?;
        // SAFETY: as in read().
        unsafe {
            if p as usize % 8 == 0 && data.len() % 8 == 0 {
                for (i, chunk) in data.chunks_exact(8).enumerate() {
                    let mut w = [0u8; 8];
                    w.copy_from_slice(chunk);
                    (*(p.add(8 * i) as *const AtomicU64)).store(u64::from_ne_bytes(w), Ordering::Relaxed);
                }
            } else {
                for (i, b) in data.iter().enumerate() {
                    (*(p.add(i) as *const AtomicU8)).store(*b, Ordering::Relaxed);
                }
            }
        }
        Ok(())
    }

    /// The C object, for the provider context of tables and models.
    pub(crate) fn ctx(&self) -> *mut c_void {
        self.raw.as_ptr() as *mut c_void
    }

    /// The raw handle, for calls this crate does not wrap.  It stays valid
    /// while `self` lives.
    pub fn as_raw(&self) -> *mut sys::genpt_physmem {
        self.raw.as_ptr()
    }
}

impl Drop for PhysMem {
    fn drop(&mut self) {
        unsafe { sys::genpt_physmem_destroy(self.raw.as_ptr()) }
    }
}
