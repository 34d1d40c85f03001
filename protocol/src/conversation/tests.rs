//! Scripted tests of the conversation core (more in tests/scenarios.rs).
