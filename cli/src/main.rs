//! The `mypay` command.
fn main() {
    println!("mypay: work in progress");
}
