//! What a table holds and can hold, without probing for errors or reading
//! table memory: [`Table::leaf_lookup`], [`Caps`] (`genpt_leaf_lookup`,
//! `genpt_query_caps`).
use genpt_sys as sys;

use crate::error::{check, Result};
use crate::table::{Config, HwInfo, Prot, Table};

/// The leaf that maps an address (`struct genpt_leaf_info`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeafInfo {
    /// First input address of the leaf, or of its whole contiguous run
    /// (Svnapot, ARM contiguous hint, AMD v1 replicated page).
    pub first: u64,
    /// Bytes the leaf (or run) maps: one translation to the IOTLB.
    pub size: u64,
    /// Output address the looked-up address maps to.
    pub oa: u64,
    /// Bytes one entry of the leaf's level maps (`size / run`).
    pub entry_size: u64,
    /// The leaf's level, 0 = the level of the smallest pages.
    pub level: u32,
    /// Entries in the run, 1 for a plain leaf.
    pub run: u32,
    /// READ, WRITE and NOEXEC as the entry grants them.
    pub prot: Prot,
    /// Write-dirty (any member of the run), as a harvest sees it.
    pub dirty: bool,
    /// The entry's accessed flag is set.
    pub accessed: bool,
}

/// What a table of a configuration can hold (`struct genpt_caps`).
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    /// Levels walked.
    pub levels: u32,
    /// Input address width (the config's 0 resolved).
    pub va_bits: u32,
    /// Output address width.
    pub oa_bits: u32,
    /// Granule, log2.
    pub granule_bits: u32,
    /// Every leaf size a map may use, plain and runs: bit n = 2^n bytes.
    pub page_sizes: u64,
    /// The sizes of `page_sizes` that are runs of several entries.
    pub run_sizes: u64,
    /// `page_sizes` per level (index 0 = the smallest pages).
    pub level_sizes: [u64; sys::GENPT_CAPS_LEVELS],
    /// The table has dirty state (harvests work).
    pub dirty: bool,
    /// Split and merge (split-mode tracking) work.
    pub split: bool,
    /// What [`Table::hw_info`] holds while dirty tracking is on (ARM: the
    /// HA/HD bits); `root_pa` is 0 when asked of a config.
    pub hw_tracking: HwInfo,
}

impl Caps {
    fn from_raw(c: &sys::genpt_caps) -> Caps {
        Caps {
            levels: c.levels,
            va_bits: c.va_bits,
            oa_bits: c.oa_bits,
            granule_bits: c.granule_bits,
            page_sizes: c.page_sizes,
            run_sizes: c.run_sizes,
            level_sizes: c.level_sizes,
            dirty: c.dirty,
            split: c.split,
            hw_tracking: c.hw_tracking,
        }
    }

    /// `genpt_query_caps` for a configuration, without building a table.
    /// InvalidArgument for a config [`Table::new`] would refuse so.
    ///
    /// ```
    /// use genpt::{Caps, Config, Features, Format};
    /// let mut cfg = Config::new(Format::RiscV);
    /// cfg.features = Features::RISCV_SVNAPOT;
    /// let caps = Caps::of_config(&cfg)?;
    /// assert_eq!(caps.va_bits, 57); // the widest: Sv57
    /// assert!(caps.page_sizes & (1 << 16) != 0, "64 KiB Svnapot runs");
    /// assert!(caps.dirty && caps.split);
    /// # Ok::<(), genpt::Error>(())
    /// ```
    pub fn of_config(cfg: &Config) -> Result<Caps> {
        let c = cfg.raw(std::ptr::null(), std::ptr::null_mut());
        let mut caps = sys::genpt_caps::default();
        check(unsafe { sys::genpt_query_caps(&c, std::ptr::null(), &mut caps) })?;
        Ok(Caps::from_raw(&caps))
    }
}

impl<'m> Table<'m> {
    /// `genpt_leaf_lookup`: the leaf that maps @iova; NotFound when nothing
    /// does, OutOfRange outside the input space.  A snapshot: hardware may
    /// set the dirty and accessed flags any time.
    ///
    /// ```
    /// use genpt::{Config, Format, Prot, Table};
    /// let mut pt = Table::new(&Config::new(Format::X86_64))?;
    /// pt.map(0x20_0000, 0x4000_0000, 2 << 20, Prot::READ, None)?;
    /// let leaf = pt.leaf_lookup(0x20_1234)?;
    /// assert_eq!((leaf.first, leaf.size, leaf.level), (0x20_0000, 2 << 20, 1));
    /// assert_eq!(leaf.oa, 0x4000_1234);
    /// assert_eq!(leaf.prot, Prot::READ);
    /// # Ok::<(), genpt::Error>(())
    /// ```
    pub fn leaf_lookup(&self, iova: u64) -> Result<LeafInfo> {
        let mut i = sys::genpt_leaf_info::default();
        check(unsafe { sys::genpt_leaf_lookup(self.as_raw(), iova, &mut i) })?;
        Ok(LeafInfo {
            first: i.first,
            size: i.size,
            oa: i.oa,
            entry_size: i.entry_size,
            level: i.level,
            run: i.run,
            prot: Prot(i.prot),
            dirty: i.dirty,
            accessed: i.accessed,
        })
    }

    /// `genpt_query_caps` for this table.
    pub fn caps(&self) -> Caps {
        let mut caps = sys::genpt_caps::default();
        let rc = unsafe { sys::genpt_query_caps(std::ptr::null(), self.as_raw(), &mut caps) };
        debug_assert_eq!(rc, 0);
        Caps::from_raw(&caps)
    }
}
