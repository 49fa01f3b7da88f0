//! The live-migration loop in Rust: a guest's memory is copied to a
//! destination while devices keep writing it by DMA through the RISC-V
//! IOMMU model, and at the end destination and source must be equal.
//!
//!   map      the guest's RAM into an Sv39x4 G-stage table (2 MiB leaves
//!            and 64 KiB Svnapot runs), attach the devices (GSCID 1)
//!   track    dirty tracking on: DC.tc.GADE, invalidation, clean slate
//!   DMA      device threads write through RvIommu::dma_write; the model
//!            walks the table and sets D, or hits its IOTLB
//!   harvest  RvDriver::read_and_clear_dirty: the engine's harvest, then
//!   invalidate IOTINVAL.GVMA for what it cleaned and IOFENCE.C, which
//!            waits for DMA still using the old translations
//!   copy     the reported pages to the destination
//!   verify   after the devices stopped and a final harvest + copy
//!
//! cargo run --example migrate [-- --split]   (--split: dirty tracking at
//! 4 KiB granularity: a write dirties its page, not the 2 MiB around it)
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

use genpt::*;

const GUEST: u64 = 16 << 20; // guest RAM, at guest physical address 0
const HOT: u64 = 2 << 20; // most writes land here (a NIC's buffers)
const DEVICES: u32 = 2;
const WRITES: u64 = 3000; // per device
const PAGE: u64 = 4096;

/// xorshift64: the devices' addresses, reproducible.
fn next(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x
}

/// One device: WRITES page-sized writes, 90% into the hot set.
fn device(iommu: &RvIommu, id: u32, writes: &AtomicU64) -> Result<()> {
    let mut x = 0x9e37_79b9_7f4a_7c15 ^ u64::from(id);
    let mut buf = vec![0u8; PAGE as usize];
    for n in 0..WRITES {
        let r = next(&mut x);
        let gpa = if r % 10 != 0 { (HOT + (r >> 8) % HOT) & !(PAGE - 1) } else { (r >> 8) % GUEST & !(PAGE - 1) };
        buf.iter_mut().for_each(|b| *b = (n as u8) ^ (id as u8)); // new data every write
        iommu.dma_write(id, gpa, &buf)?;
        writes.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}

/// Copy the pages @bm marks from the source (through @ram) to @dst.
fn copy(pm: &PhysMem, ram: u64, bm: &DirtyBitmap, dst: &mut [u8]) -> Result<u64> {
    let mut n = 0;
    for gpa in bm.iter() {
        let at = gpa as usize;
        pm.read(ram + gpa, &mut dst[at..at + PAGE as usize])?;
        n += 1;
    }
    Ok(n)
}

/// map: the guest's RAM into an Sv39x4 G-stage table owned by the driver,
/// every device attached (GSCID 1).
fn setup<'m>(drv: &mut RvDriver<'m>, pm: &'m PhysMem, ram: u64) -> Result<TableId> {
    let mut cfg = Config::new(Format::RiscV);
    cfg.va_bits = 41; // Sv39x4
    cfg.features = Features::RISCV_GSTAGE | Features::RISCV_SVNAPOT;
    let t = drv.add_table(Table::with_physmem(&cfg, pm)?);
    // 2 MiB-aligned on both sides: 2 MiB leaves
    drv.map(t, 0, ram, GUEST, Prot::READ | Prot::WRITE)?;
    for dev in 1..=DEVICES {
        drv.attach(dev, t, Domain::Stage2 { gscid: 1 })?;
    }
    Ok(t)
}

/// One harvest (with its IOTINVAL + IOFENCE.C) and the copy of what it
/// reported; returns the pages copied.
fn round(drv: &mut RvDriver, t: TableId, pm: &PhysMem, ram: u64, bm: &mut DirtyBitmap, dst: &mut [u8]) -> Result<u64> {
    bm.clear();
    drv.read_and_clear_dirty(t, 0, GUEST, DirtyFlags::NONE, Some(bm))?;
    copy(pm, ram, bm, dst)
}

/// Pre-copy while the devices write, then stop and copy; returns the pages
/// copied and the device writes made.
fn migrate(drv: &mut RvDriver, t: TableId, iommu: &RvIommu, pm: &PhysMem, ram: u64, dst: &mut [u8]) -> Result<(u64, u64)> {
    let mut bm = DirtyBitmap::new(0, GUEST, 12)?;
    let writes = AtomicU64::new(0);
    let running = AtomicBool::new(true);
    let mut copied = 0u64;
    thread::scope(|s| -> Result<()> {
        // DMA: the devices share the model by reference
        let devs: Vec<_> = (1..=DEVICES)
            .map(|id| {
                let (writes, running) = (&writes, &running);
                s.spawn(move || {
                    let r = device(iommu, id, writes);
                    running.store(false, Ordering::Relaxed);
                    r
                })
            })
            .collect();
        // round 0: everything
        pm.read(ram, dst)?;
        copied += GUEST / PAGE;
        println!("round 0: full copy, {} pages", GUEST / PAGE);
        // pre-copy rounds (until the first device is done, at most 10,
        // paced a little so each round has writes to find)
        let mut r = 1;
        while running.load(Ordering::Relaxed) && r <= 10 {
            thread::sleep(Duration::from_millis(20));
            let n = round(drv, t, pm, ram, &mut bm, dst)?;
            copied += n;
            println!("round {}: dirty {} pages copied ({} device writes so far)", r, n, writes.load(Ordering::Relaxed));
            r += 1;
        }
        for d in devs {
            d.join().expect("device thread panicked")?;
        }
        Ok(())
    })?;
    // stop and copy: the devices are done; the last harvest and copy
    let n = round(drv, t, pm, ram, &mut bm, dst)?;
    println!("final: dirty {} pages copied, devices stopped", n);
    Ok((copied + n, writes.load(Ordering::Relaxed)))
}

/// verify: the pages where destination and source differ.
fn differing(pm: &PhysMem, ram: u64, dst: &[u8]) -> Result<Vec<u64>> {
    let mut src = vec![0u8; GUEST as usize];
    pm.read(ram, &mut src)?;
    Ok((0..GUEST / PAGE)
        .filter(|p| {
            let r = (p * PAGE) as usize..((p + 1) * PAGE) as usize;
            src[r.clone()] != dst[r]
        })
        .collect())
}

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let split = std::env::args().any(|a| a == "--split");
    let pm = PhysMem::new(0x8000_0000, 64 << 20)?;
    let ram = pm.alloc(GUEST, 2 << 20)?;
    let fill: Vec<u8> = (0..GUEST as usize).map(|i| (i / 4096) as u8).collect();
    pm.write(ram, &fill)?;
    let iommu = RvIommu::new(&RvIommuConfig::default(), &pm)?;
    let mut drv = RvDriver::new(&iommu, &pm, &RvDriverConfig::default())?;
    let t = setup(&mut drv, &pm, ram)?;
    println!(
        "migrate: {} MiB guest, Sv39x4 behind the RISC-V IOMMU model, {} devices x {} writes{}",
        GUEST >> 20,
        DEVICES,
        WRITES,
        if split { ", split to 4 KiB" } else { "" }
    );
    // track: GADE, invalidation, a clean slate (split first with --split)
    if split {
        drv.set_dirty_tracking_split(t, true, 12)?;
    } else {
        drv.set_dirty_tracking(t, true)?;
    }
    let mut dst = vec![0u8; GUEST as usize];
    let (copied, writes) = migrate(&mut drv, t, &iommu, &pm, ram, &mut dst)?;
    let bad = differing(&pm, ram, &dst)?;
    let st = iommu.stats();
    println!(
        "copied {} pages ({:.2} x guest); {} writes; IOMMU: {} translations, {} IOTLB hits, {} A/D updates, {} commands",
        copied,
        copied as f64 / (GUEST / PAGE) as f64,
        writes,
        st.translations,
        st.iotlb_hits,
        st.ad_updates,
        st.commands
    );
    if split {
        drv.set_dirty_tracking_split(t, false, 12)?;
    } else {
        drv.set_dirty_tracking(t, false)?;
    }
    if bad.is_empty() {
        println!("verify: {} bytes compared, 0 pages differ: OK", GUEST);
        Ok(())
    } else {
        println!("verify: {} pages differ, first at 0x{:x}: FAILED", bad.len(), bad[0] * PAGE);
        std::process::exit(1)
    }
}
