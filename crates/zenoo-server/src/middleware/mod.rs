//! The service's own middleware: [`observe`] outermost, then [`guard`].

pub(crate) mod guard;
pub(crate) mod observe;
