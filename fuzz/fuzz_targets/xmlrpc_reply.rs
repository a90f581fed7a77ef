//! The XML-RPC reply decoder (faults, values, depth limit).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    zenoo_rpc::__private::fuzz::xmlrpc_reply(data);
});
