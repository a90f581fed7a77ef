//! The JSON-RPC envelope decoder.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    zenoo_rpc::__private::fuzz::jsonrpc_reply(data);
});
