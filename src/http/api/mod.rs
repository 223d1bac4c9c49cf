//! The JSON API under `/api/v1`: thin handlers that parse, call a use case or
//! the store, and shape the answer.

pub mod admin;
pub mod availability;
pub mod connections;
pub mod feeds;
pub mod holds;
pub mod keys;
pub mod links;
pub mod manage;
pub mod ops;
pub mod organization;
pub mod polls;
pub mod public;
pub mod share;
pub mod teams;
pub mod workflows;
