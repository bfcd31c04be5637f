//! emrbot-local as a user runs it: the real binary, started as `make run`
//! starts it (its own emulator, the sample config, the demo clusters), and
//! `send` run as a process against it.

mod console;
mod process;
mod readme;
mod send;
