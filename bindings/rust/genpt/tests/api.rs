//! The safe API against the C library: errors by errno, ownership of
//! gathers, harvest through the reference walk, the RISC-V driver flow,
//! and the thread-safety markers.
use genpt::*;

fn sv39() -> Config {
    let mut c = Config::new(Format::RiscV);
    c.va_bits = 39;
    c
}

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn thread_markers() {
    // table.h: edits serialized (&mut), walks concurrent (&self)
    assert_send_sync::<Table<'static>>();
    assert_send_sync::<PhysMem>();
    assert_send_sync::<RvIommu<'static>>();
    assert_send_sync::<RvDriver<'static>>();
    fn assert_send<T: Send>() {}
    assert_send::<TableRange<'static, 'static>>();
    assert_send_sync::<Gather>();
}

#[test]
fn errors_carry_the_errno() {
    let mut pt = Table::new(&sv39()).unwrap();
    let rw = Prot::READ | Prot::WRITE;
    assert_eq!(pt.map(0x1000, 0x2000, 0, rw, None), Err(Error::InvalidArgument));
    assert_eq!(pt.map(0x1001, 0x2000, 0x1000, rw, None).unwrap_err().errno(), 22);
    assert_eq!(pt.map(1 << 40, 0x2000, 0x1000, rw, None), Err(Error::OutOfRange));
    assert_eq!(pt.map(u64::MAX & !0xfff, 0, 0x2000, rw, None), Err(Error::Overflow));
    pt.map(0x1000, 0x2000, 0x1000, rw, None).unwrap();
    assert_eq!(pt.map(0x1000, 0x2000, 0x1000, rw, None), Err(Error::AlreadyExists));
    assert_eq!(pt.iova_to_phys(0x5000), Err(Error::NotFound));
    assert_eq!(Error::from_errno(-4242), Error::Other(4242));
    assert_eq!(Error::Other(4242).errno(), 4242);
    let io: std::io::Error = Error::NotFound.into();
    assert_eq!(io.raw_os_error(), Some(2));
    // ARMv8 without DBM has no dirty state
    let mut arm = Table::new(&Config::new(Format::Armv8)).unwrap();
    assert_eq!(arm.set_dirty_tracking(true), Err(Error::NotSupported));
}

#[test]
fn harvest_gather_and_release() {
    let mut cfg = Config::new(Format::AmdV1);
    cfg.va_bits = 48;
    let mut pt = Table::new(&cfg).unwrap();
    // output one page off any larger alignment: 4 KiB leaves (AMD v1 would
    // use one 1 MiB leaf otherwise)
    let oa = (1 << 30) + 0x1000;
    pt.map(0, oa, 1 << 20, Prot::READ | Prot::WRITE, None).unwrap();
    pt.set_dirty_tracking(true).unwrap();
    assert!(pt.dirty_tracking());
    pt.read_and_clear_dirty(0, 1 << 20, DirtyFlags::NONE, None, None).unwrap();
    for page in [3u64, 100, 255] {
        assert_eq!(pt.hw_access(page << 12, Access::Write).unwrap(), oa + (page << 12));
    }
    let mut bm = DirtyBitmap::new(0, 1 << 20, 12).unwrap();
    let mut g = Gather::new();
    pt.read_and_clear_dirty(0, 1 << 20, DirtyFlags::NO_CLEAR, Some(&mut bm), Some(&mut g)).unwrap();
    assert_eq!(bm.iter().collect::<Vec<_>>(), vec![3 << 12, 100 << 12, 255 << 12]);
    assert_eq!(g.range(), None, "NO_CLEAR cleans nothing");
    bm.clear();
    pt.read_and_clear_dirty(0, 1 << 20, DirtyFlags::NONE, Some(&mut bm), Some(&mut g)).unwrap();
    assert_eq!(bm.count(), 3);
    assert!(g.range().is_some());
    // a gather belongs to its table
    let mut other = Table::new(&cfg).unwrap();
    assert_eq!(other.gather_release(&mut g), Err(Error::InvalidArgument));
    assert_eq!(other.unmap(0, 1 << 20, Some(&mut g)), Err(Error::InvalidArgument));
    pt.gather_release(&mut g).unwrap();
    assert_eq!(g.range(), None);
    other.unmap(0, 1 << 20, Some(&mut g)).unwrap(); // released: free again
    // the bitmap must cover the range
    let mut small = DirtyBitmap::new(0, 1 << 12, 12).unwrap();
    assert_eq!(pt.read_and_clear_dirty(0, 1 << 20, DirtyFlags::NONE, Some(&mut small), None), Err(Error::InvalidArgument));
    assert_eq!(DirtyBitmap::new(0x800, 4096, 12).unwrap_err(), Error::InvalidArgument);
}

#[test]
fn split_merge_and_physmem() {
    let pm = PhysMem::new(0, 32 << 20).unwrap();
    let mut cfg = sv39();
    cfg.features = Features::RISCV_SVNAPOT;
    let mut pt = Table::with_physmem(&cfg, &pm).unwrap();
    let before = pt.table_bytes();
    pt.map(2 << 20, 4 << 20, 2 << 20, Prot::READ, None).unwrap();
    let mut g = Gather::new();
    pt.split(2 << 20, 2 << 20, 12, Some(&mut g)).unwrap();
    assert!(pt.table_bytes() > before);
    pt.gather_release(&mut g).unwrap();
    pt.merge(2 << 20, 2 << 20, Some(&mut g)).unwrap();
    pt.gather_release(&mut g).unwrap();
    assert_eq!(pt.iova_to_phys((2 << 20) + 5).unwrap(), (4 << 20) + 5);
    assert_eq!(pt.hw_access(2 << 20, Access::Write), Err(Error::AccessFault));
    let info = pt.hw_info();
    assert_eq!(info.levels, 3);
    assert!(pm.stats().unwrap().1 > 0);
    drop(pt);
    assert_eq!(pm.stats().unwrap(), (0, 0), "Drop gave every table page back");
    let mut b = [0u8; 8];
    assert_eq!(pm.read(32 << 20, &mut b), Err(Error::BadAddress));
    assert_eq!(pm.read((32 << 20) - 4, &mut b), Err(Error::BadAddress));
}

#[test]
fn riscv_driver_owns_its_tables() {
    let pm = PhysMem::new(0x8000_0000, 32 << 20).unwrap();
    let iommu = RvIommu::new(&RvIommuConfig::default(), &pm).unwrap();
    let mut drv = RvDriver::new(&iommu, &pm, &RvDriverConfig { ddt_levels: 2, ..Default::default() }).unwrap();
    let (_root, mode) = drv.ddt_info().unwrap();
    assert_eq!(mode, genpt::sys::GENPT_RVI_DDTP_2LVL);
    let mut cfg = Config::new(Format::RiscV);
    cfg.va_bits = 48; // Sv48, a first-stage table
    let t = drv.add_table(Table::with_physmem(&cfg, &pm).unwrap());
    let ram = pm.alloc(1 << 16, 1 << 16).unwrap();
    drv.map(t, 0x10_0000, ram, 1 << 16, Prot::READ).unwrap();
    // a first-stage table cannot be a G-stage
    assert_eq!(drv.attach(3, t, Domain::Stage2 { gscid: 1 }), Err(Error::InvalidArgument));
    drv.attach(3, t, Domain::Stage1 { pscid: 9 }).unwrap();
    assert_eq!(drv.attach(3, t, Domain::Stage1 { pscid: 9 }), Err(Error::AlreadyExists));
    assert_eq!(drv.remove_table(t).unwrap_err(), Error::Busy);
    // a read works, a write faults and leaves a record
    let mut b = [0u8; 4];
    iommu.dma_read(3, 0x10_0000, &mut b, Access::Read).unwrap();
    assert_eq!(iommu.dma_write(3, 0x10_0000, &[1, 2]), Err(Error::BadAddress));
    let (faults, overflow) = drv.poll_faults(8).unwrap();
    assert!(!overflow);
    assert_eq!(faults.len(), 1);
    assert_eq!(faults[0].cause, genpt::sys::GENPT_RVI_CAUSE_WRITE_PAGE);
    assert_eq!(faults[0].did, 3);
    assert_eq!(faults[0].iotval, 0x10_0000);
    let req = Request { device_id: 3, iova: 0x10_0004, access: genpt::sys::GENPT_ACCESS_READ, ..Default::default() };
    let rsp = iommu.translate(&req).unwrap();
    assert_eq!((rsp.cause, rsp.pa), (0, ram + 4));
    assert_eq!(drv.unmap(t, 0x10_0000, 1 << 16).unwrap(), 1 << 16);
    drv.detach(3).unwrap();
    assert_eq!(drv.detach(3), Err(Error::NotFound));
    let pt = drv.remove_table(t).unwrap();
    assert_eq!(pt.iova_to_phys(0x10_0000), Err(Error::NotFound));
    assert_eq!(drv.table(t).unwrap_err(), Error::NotFound);
    assert!(iommu.reg_read(genpt::sys::GENPT_RVI_REG_CAPABILITIES, 8).unwrap() & 0xff == 0x10);
    assert_eq!(iommu.reg_read(3, 4), Err(Error::InvalidArgument));
}

#[test]
fn unmap_read_dirty_reports_what_it_removes() {
    let mut pt = Table::new(&sv39()).unwrap();
    let rw = Prot::READ | Prot::WRITE;
    pt.map(0, 0x4000_0000, 2 << 20, rw, None).unwrap(); // one 2 MiB leaf
    pt.map(2 << 20, (1 << 30) + 0x1000, 16 << 12, rw, None).unwrap(); // 4 KiB leaves
    pt.set_dirty_tracking(true).unwrap();
    pt.read_and_clear_dirty(0, 4 << 20, DirtyFlags::NONE, None, None).unwrap();
    pt.hw_access(0x1234, Access::Write).unwrap();
    pt.hw_access((2 << 20) + (5 << 12), Access::Write).unwrap();
    let mut bm = DirtyBitmap::new(0, 4 << 20, 12).unwrap();
    let mut g = Gather::new();
    // a leaf straddling the range: refused, nothing removed or recorded
    assert_eq!(pt.unmap_read_dirty(0, 1 << 20, Some(&mut bm), Some(&mut g)), Err(Error::InvalidArgument));
    assert_eq!(bm.count(), 0);
    // the bitmap must cover the range
    let mut small = DirtyBitmap::new(0, 1 << 20, 12).unwrap();
    assert_eq!(pt.unmap_read_dirty(0, 2 << 20, Some(&mut small), None), Err(Error::InvalidArgument));
    let n = pt.unmap_read_dirty(0, (2 << 20) + (16 << 12), Some(&mut bm), Some(&mut g)).unwrap();
    assert_eq!(n, (2 << 20) + (16 << 12));
    // the dirty 2 MiB leaf: all its pages; the dirty 4 KiB leaf: one
    assert_eq!(bm.count(), 512 + 1);
    assert!(bm.is_dirty(0x1f_f000) && bm.is_dirty((2 << 20) + (5 << 12)));
    assert!(!bm.is_dirty((2 << 20) + (4 << 12)));
    assert!(g.range().is_some());
    pt.gather_release(&mut g).unwrap();
    assert_eq!(pt.iova_to_phys(0x1234), Err(Error::NotFound));
    // None: a plain unmap; no dirty state: NotSupported with a bitmap only
    let mut arm = Table::new(&Config::new(Format::Armv8)).unwrap();
    arm.map(0, 0x4000_0000, 1 << 12, Prot::READ, None).unwrap();
    assert_eq!(arm.unmap_read_dirty(0, 1 << 12, Some(&mut bm), None), Err(Error::NotSupported));
    assert_eq!(arm.unmap_read_dirty(0, 1 << 12, None, None), Ok(1 << 12));
}

#[test]
fn clear_dirty_by_mask_carries_the_rest() {
    let mut cfg = Config::new(Format::RiscV);
    cfg.va_bits = 48;
    let mut pt = Table::new(&cfg).unwrap();
    pt.map(0, 0x4000_0000, 2 << 20, Prot::READ | Prot::WRITE, None).unwrap();
    pt.set_dirty_tracking(true).unwrap();
    pt.read_and_clear_dirty(0, 2 << 20, DirtyFlags::NONE, None, None).unwrap();
    pt.hw_access(0x5000, Access::Write).unwrap();
    // name one page of the dirty 2 MiB leaf: it is cleaned whole, the
    // other 511 pages are carried to the next harvest
    let mut mask = DirtyBitmap::new(0, 2 << 20, 12).unwrap();
    mask.set(0x5000);
    let mut g = Gather::new();
    pt.clear_dirty(&mask, Some(&mut g)).unwrap();
    assert_eq!(g.range(), Some((0, (2 << 20) - 1)));
    pt.gather_release(&mut g).unwrap();
    assert!(!pt.leaf_lookup(0).unwrap().dirty);
    let mut bm = DirtyBitmap::new(0, 2 << 20, 12).unwrap();
    pt.read_and_clear_dirty(0, 2 << 20, DirtyFlags::NONE, Some(&mut bm), None).unwrap();
    assert_eq!(bm.count(), 511);
    assert!(!bm.is_dirty(0x5000));
    // a mask not aligned to the granule (16 KiB tables)
    let mut c16 = Config::new(Format::Armv8);
    c16.granule_bits = 14;
    c16.features = Features::ARMV8_DBM;
    let mut p16 = Table::new(&c16).unwrap();
    let odd = DirtyBitmap::new(0x1000, 0x4000, 12).unwrap();
    assert_eq!(p16.clear_dirty(&odd, None), Err(Error::InvalidArgument));
    let mut arm = Table::new(&Config::new(Format::Armv8)).unwrap();
    assert_eq!(arm.clear_dirty(&mask, None), Err(Error::NotSupported));
}

#[test]
fn discovery_leaf_and_caps() {
    let mut cfg = Config::new(Format::Armv8);
    cfg.va_bits = 48;
    cfg.features = Features::ARMV8_DBM | Features::ARMV8_CONTIG;
    let caps = Caps::of_config(&cfg).unwrap();
    assert_eq!((caps.levels, caps.va_bits, caps.granule_bits), (4, 48, 12));
    assert!(caps.dirty && caps.split);
    assert!(caps.run_sizes & (1 << 16) != 0, "64 KiB contiguous runs of 4 KiB");
    assert_eq!(caps.level_sizes[0] & (1 << 12), 1 << 12);
    assert_eq!(caps.level_sizes[4], 0);
    let mut bad = cfg;
    bad.va_bits = 13;
    assert_eq!(Caps::of_config(&bad).unwrap_err(), Error::InvalidArgument);

    let mut pt = Table::new(&cfg).unwrap();
    let tc = pt.caps();
    assert_eq!(tc.page_sizes, caps.page_sizes);
    assert_ne!(tc.hw_tracking.tcr, 0, "HA/HD while tracking");
    pt.map(0x1_0000, 0x4001_0000, 1 << 16, Prot::READ | Prot::WRITE, None).unwrap();
    let l = pt.leaf_lookup(0x1_2345).unwrap();
    assert_eq!((l.first, l.size, l.entry_size, l.run, l.level), (0x1_0000, 1 << 16, 1 << 12, 16, 0));
    assert_eq!(l.oa, 0x4001_2345);
    assert!(l.prot.bits() & Prot::WRITE.bits() != 0);
    assert!(l.dirty, "tracking off: writable leaves start dirty");
    assert_eq!(pt.leaf_lookup(0x2_0000), Err(Error::NotFound));
    assert_eq!(pt.leaf_lookup(1 << 48), Err(Error::OutOfRange));
}

#[test]
fn split_mode_gives_the_layout_back() {
    let mut cfg = sv39();
    cfg.features = Features::RISCV_SVNAPOT;
    let mut pt = Table::new(&cfg).unwrap();
    let rw = Prot::READ | Prot::WRITE;
    pt.map(0, 0x4000_0000, 2 << 20, rw, None).unwrap();
    for p in 0..16u64 {
        pt.map((2 << 20) + (p << 12), 0x4020_0000 + (p << 12), 1 << 12, rw, None).unwrap();
    }
    let bytes = pt.table_bytes();
    let mut g = Gather::new();
    pt.set_dirty_tracking_split(true, 12, Some(&mut g)).unwrap();
    pt.gather_release(&mut g).unwrap();
    assert_eq!(pt.leaf_lookup(0x1000).unwrap().size, 1 << 12);
    pt.set_dirty_tracking_split(false, 12, Some(&mut g)).unwrap();
    pt.gather_release(&mut g).unwrap();
    assert_eq!(pt.leaf_lookup(0x1000).unwrap().size, 2 << 20);
    assert_eq!(pt.leaf_lookup(2 << 20).unwrap().size, 1 << 12, "the caller's small pages stay");
    assert_eq!(pt.table_bytes(), bytes);
    // merge keeps its meaning: whatever can be merged is
    pt.merge(2 << 20, 2 << 20, None).unwrap();
    assert_eq!(pt.leaf_lookup(2 << 20).unwrap().size, 64 << 10, "16 pages: one Svnapot run");
}

#[test]
fn riscv_driver_unmap_read_dirty() {
    let pm = PhysMem::new(0x8000_0000, 32 << 20).unwrap();
    let iommu = RvIommu::new(&RvIommuConfig::default(), &pm).unwrap();
    let mut drv = RvDriver::new(&iommu, &pm, &RvDriverConfig { ddt_levels: 2, ..Default::default() }).unwrap();
    let mut cfg = Config::new(Format::RiscV);
    cfg.va_bits = 48;
    let t = drv.add_table(Table::with_physmem(&cfg, &pm).unwrap());
    let ram = pm.alloc(1 << 16, 1 << 16).unwrap();
    drv.map(t, 0x10_0000, ram + 0x1000, 8 << 12, Prot::READ | Prot::WRITE).unwrap();
    drv.attach(5, t, Domain::Stage1 { pscid: 2 }).unwrap();
    drv.set_dirty_tracking(t, true).unwrap();
    iommu.dma_write(5, 0x10_2008, &[7; 8]).unwrap();
    let mut bm = DirtyBitmap::new(0x10_0000, 8 << 12, 12).unwrap();
    assert_eq!(drv.unmap_read_dirty(t, 0x10_0000, 8 << 12, Some(&mut bm)).unwrap(), 8 << 12);
    assert_eq!(bm.iter().collect::<Vec<_>>(), vec![0x10_2000]);
    // gone, and invalidated: the next write faults
    assert_eq!(iommu.dma_write(5, 0x10_2008, &[1]), Err(Error::BadAddress));
    drv.detach(5).unwrap();
}

/// Threads edit disjoint ranges that share table pages (four 2 MiB ranges
/// of one 1 GiB region, 4 KiB leaves), each harvesting what its own writes
/// dirtied; the handles refuse overlaps, leaves across an edge and calls
/// outside themselves.
#[test]
fn ranges_edit_from_threads() {
    let mut pt = Table::new(&sv39()).unwrap();
    pt.set_dirty_tracking(true).unwrap();
    let mib2 = 2u64 << 20;
    let bounds: Vec<(u64, u64)> = (0..4).map(|i| (0x4000_0000 + i * mib2, mib2)).collect();
    std::thread::scope(|s| {
        let threads: Vec<_> = pt
            .ranges(&bounds)
            .unwrap()
            .into_iter()
            .map(|mut r| {
                s.spawn(move || -> Result<u64> {
                    let base = r.iova();
                    let mut dirty = 0;
                    for round in 0..20u64 {
                        // 4 KiB leaves (the output is not 2 MiB aligned)
                        r.map(base, 0x1_0000_1000 + base, mib2, Prot::READ | Prot::WRITE, None)?;
                        r.read_and_clear_dirty(base, mib2, DirtyFlags::NONE, None, None)?;
                        let page = base + (round % 512) * 4096;
                        r.hw_access(page, Access::Write)?;
                        let mut bm = DirtyBitmap::new(base, mib2, 12)?;
                        let mut g = Gather::new();
                        assert_eq!(r.unmap_read_dirty(base, mib2, Some(&mut bm), Some(&mut g))?, mib2);
                        assert_eq!(bm.iter().collect::<Vec<_>>(), vec![page]);
                        r.gather_release(&mut g)?;
                        dirty += 1;
                    }
                    assert_eq!(r.map(base + mib2, 0, 4096, Prot::READ, None), Err(Error::OutOfRange));
                    Ok(dirty)
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap().unwrap(), 20);
        }
    });
    assert_eq!(pt.iova_to_phys(0x4000_0000), Err(Error::NotFound));
    pt.reclaim(None).unwrap();
    // overlapping ranges, a zero length, a leaf across an edge
    assert!(matches!(pt.ranges(&[(0, 8192), (4096, 4096)]), Err(Error::InvalidArgument)));
    assert!(matches!(pt.ranges(&[(0, 0)]), Err(Error::InvalidArgument)));
    pt.map(0x20_0000, 0x4000_0000, mib2, Prot::READ, None).unwrap(); // one 2 MiB leaf
    assert!(matches!(pt.ranges(&[(0x20_0000, 4096)]), Err(Error::InvalidArgument)));
    assert_eq!(pt.ranges(&[(0x20_0000, mib2)]).unwrap().len(), 1);
}
