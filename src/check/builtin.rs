//! The built-in control packs and benchmarks, compiled in by build.rs from `controls/`.

include!(concat!(env!("OUT_DIR"), "/controls.rs"));
