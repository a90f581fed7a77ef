//! Datasets a simulator can serve: the built-in demo or fixture directories.

mod demo;
mod fixture;
mod metadata;
mod security;
mod synthetic;

pub use demo::{demo, empty};
pub use fixture::{DatasetError, load_dir, model_from_fields};

use std::path::PathBuf;

/// Where a simulator's first database comes from.
#[derive(Debug, Clone, Default)]
pub enum Dataset {
    /// The built-in demo dataset.
    #[default]
    Demo,
    /// A directory of `<model>.json` fixture files.
    Dir(PathBuf),
}
