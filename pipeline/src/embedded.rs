//! The files of the method compiled into the binary by build.rs: every `sql/*.sql` step and
//! every table declaration of `schemas/` (outputs and inputs, `schemas/staged/`, `schemas/runner/`),
//! each as (file name, contents) in name order.

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
