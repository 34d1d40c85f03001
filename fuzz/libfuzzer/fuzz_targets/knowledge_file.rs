#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| baton_fuzz::knowledge_file(data));
