//! Nothing to see here: the programs are the examples beside this file
//! (`cargo run --example quick_start`, ...).
