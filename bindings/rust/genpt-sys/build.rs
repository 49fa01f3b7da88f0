//! Tells rustc where libgenpt (the engine) and libgenpt_hw (the hardware
//! side: the RISC-V IOMMU model, simulated IOMMUs, genpt_hw_access) are;
//! nothing is compiled here.  The crate binds both.
//!
//! - `GENPT_LIB_DIR`: the directory holding `libgenpt.a` / `libgenpt.so`
//!   and `libgenpt_hw.a` / `libgenpt_hw.so`
//!   (a CMake build directory, or an installed `<prefix>/lib`).  Default:
//!   `build/release` of the source tree this crate sits in (what
//!   `cmake --preset release && cmake --build --preset release` makes).
//! - `GENPT_LINK`: `static` (default: `libgenpt.a`, nothing to find at run
//!   time) or `dylib` (`libgenpt.so`; the program then needs it on the
//!   loader's path, e.g. `LD_LIBRARY_PATH`).
use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=GENPT_LIB_DIR");
    println!("cargo:rerun-if-env-changed=GENPT_LINK");
    let dir = match env::var_os("GENPT_LIB_DIR") {
        Some(d) => PathBuf::from(d),
        None => {
            let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
            manifest.join("../../../build/release")
        }
    };
    let link = env::var("GENPT_LINK").unwrap_or_else(|_| "static".to_string());
    let file = match link.as_str() {
        "static" => "libgenpt.a",
        "dylib" => "libgenpt.so",
        other => panic!("GENPT_LINK={}: use static or dylib", other),
    };
    if !dir.join(file).exists() {
        // Say what to do instead of a linker error about -lgenpt.
        println!(
            "cargo:warning=genpt-sys: {} not found in {} (build genpt with CMake first, \
             or set GENPT_LIB_DIR)",
            file,
            dir.display()
        );
    }
    println!("cargo:rerun-if-changed={}", dir.join(file).display());
    println!("cargo:rustc-link-search=native={}", dir.display());
    if link == "static" {
        // The hardware side first: it uses the engine's calls.
        println!("cargo:rustc-link-lib=static=genpt_hw");
        println!("cargo:rustc-link-lib=static=genpt");
        // libgenpt.a's own needs: the model and physmem use pthreads.
        println!("cargo:rustc-link-lib=dylib=pthread");
    } else {
        println!("cargo:rustc-link-lib=dylib=genpt_hw");
        println!("cargo:rustc-link-lib=dylib=genpt");
    }
}
