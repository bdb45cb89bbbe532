//! The container <-> view protocol as types (`docs/protocol.md`).
