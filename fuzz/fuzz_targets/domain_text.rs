//! The domain text parser: any input parses or gives a positioned error.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(e) = text.parse::<zenoo_rpc::Domain>() {
            assert!(e.offset() <= text.len());
        }
    }
});
