//! The end-to-end tests: the `cpi` binary and the library run on the fixtures under tests/.
//! One test binary, so that DataFusion is linked once for all of them (thirteen binaries
//! linked it thirteen times: issue #33). Each module is the file of the same name; its tests
//! keep their names (`cargo test --test e2e rules::` runs one file's).

mod common;

mod architecture;
mod breakdowns;
mod broken_inputs;
mod cbso;
mod disclosure;
mod handworked;
mod ingest;
mod matched;
mod members;
mod object_storage;
mod pfs_xbrl;
mod population;
mod productivity;
mod report;
mod rules;
