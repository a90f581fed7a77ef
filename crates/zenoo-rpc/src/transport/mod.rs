//! Everything between a [`Call`](crate::Call) and the bytes on the wire, as
//! layers, from the outside in: [`observe`] (spans and metrics) → the
//! cache ([`crate::cache`]) → [`limit`] (concurrency and rate) →
//! [`breaker`] (per server) → [`retry`] (idempotent calls only) → the
//! protocol, over [`http`] (one pooled client, deadlines, bounded bodies)
//! or [`balance`] (several servers). [`stack`] is the boxed service type
//! they share; [`request_id`] carries a request id onto every HTTP call.

pub mod balance;
pub mod breaker;
pub(crate) mod http;
pub(crate) mod limit;
pub(crate) mod observe;
pub(crate) mod request_id;
pub mod retry;
pub(crate) mod stack;
