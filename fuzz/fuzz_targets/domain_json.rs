//! Odoo's JSON domain form: any JSON value reads as a domain or an error.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        if let Ok(d) = zenoo_rpc::Domain::from_json(v) {
            let _ = d.to_json();
            let _ = d.to_string();
        }
    }
});
