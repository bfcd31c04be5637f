//! `Command::parse` on any text: never panics; what parses serializes and reads back.
#![no_main]
use emrbot_domain::command::Command;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(command) = Command::parse(text) {
            let json = serde_json::to_value(&command).expect("serializes");
            let back: Command = serde_json::from_value(json).expect("reads back");
            assert_eq!(back, command);
        }
    }
});
