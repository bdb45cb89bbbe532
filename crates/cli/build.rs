fn main() {
    // include_dir! (the examples `cove serve --demo` publishes) does not tell cargo which
    // files it read.
    println!("cargo:rerun-if-changed=../../examples");
}
