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
