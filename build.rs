//! Link settings for the `kairos` binary.

fn main() {
    // Relative relocations packed (DT_RELR, glibc 2.36+ and binutils 2.38+):
    // the position-independent binary otherwise carries 1.2 MB of them that
    // the loader reads at every start, which `kairos slots` feels.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux")
        && std::env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("gnu")
    {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
