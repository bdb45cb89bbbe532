fn main() {
    // include_dir! does not tell cargo which files it read.
    println!("cargo:rerun-if-changed=assets");
}
