//! `s3://` inputs and outputs against a real S3-compatible server: moto in server mode
//! (`pip install -r ci/requirements.txt`), started on 127.0.0.1 by each test.

mod common;

use std::collections::BTreeMap;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::fixture;
use cpi::storage::Location;
use object_store::aws::AmazonS3Builder;

const BUCKET: &str = "cpi";

/// A moto S3 server on a free local port, stopped when dropped.
struct S3Server {
    child: Child,
    port: u16,
}

impl S3Server {
    fn start() -> S3Server {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new("python3")
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 is needed to run the S3 test server");
        let mut server = S3Server { child, port };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!("moto server exited ({status}); install it with: python3 -m pip install -r ci/requirements.txt");
            }
            assert!(started.elapsed() < Duration::from_secs(60), "moto server did not start within 60 s");
            std::thread::sleep(Duration::from_millis(50));
        }
        server.create_bucket();
        server
    }

    /// `PUT /bucket` (moto does not check signatures). Retried for a few seconds: the port
    /// can accept connections a moment before the server answers them.
    fn create_bucket(&self) {
        use std::io::{Read, Write};
        let attempt = || -> std::io::Result<String> {
            let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
            write!(stream, "PUT /{BUCKET} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", self.port)?;
            let mut response = String::new();
            stream.read_to_string(&mut response)?;
            Ok(response)
        };
        let started = Instant::now();
        let response = loop {
            match attempt() {
                Ok(r) if r.starts_with("HTTP/1.1 200") => break r,
                other if started.elapsed() > Duration::from_secs(20) => panic!("create bucket: {other:?}"),
                _ => std::thread::sleep(Duration::from_millis(100)),
            }
        };
        assert!(response.starts_with("HTTP/1.1 200"));
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The bucket as a location, for the test's own uploads and downloads.
    fn bucket(&self, prefix: &str) -> Location {
        let store = AmazonS3Builder::new()
            .with_bucket_name(BUCKET)
            .with_endpoint(self.endpoint())
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_access_key_id("testing")
            .with_secret_access_key("testing")
            .build()
            .unwrap();
        Location::in_store(&format!("s3://{BUCKET}/{prefix}"), Arc::new(store), prefix)
    }

    /// `cpi` with the standard AWS variables pointing at this server.
    fn cpi(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cpi"));
        command
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "a-secret-that-must-not-be-logged")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL", self.endpoint())
            .env("AWS_ALLOW_HTTP", "true");
        command
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Runtime::new().unwrap().block_on(future)
}

/// Uploads every file of a local folder under `to`.
fn upload(from: &Path, to: &Location) {
    fn walk(dir: &Path, base: &Path, files: &mut Vec<(String, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, base, files);
            } else {
                let key = path.strip_prefix(base).unwrap().to_string_lossy().replace('\\', "/");
                files.push((key, std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut files = vec![];
    walk(from, from, &mut files);
    block_on(async {
        for (key, bytes) in files {
            to.put(&key, bytes).await.unwrap();
        }
    });
}

fn objects(location: &Location) -> BTreeMap<String, Vec<u8>> {
    block_on(async {
        let mut all = BTreeMap::new();
        for f in location.list("").await.unwrap() {
            all.insert(f.path.clone(), location.get(&f.path).await.unwrap());
        }
        all
    })
}

fn manifest(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap()
}

#[test]
fn a_run_from_bucket_to_bucket_gives_the_bytes_of_a_local_run() {
    let s3 = S3Server::start();
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("data-samples");
    upload(&samples, &s3.bucket("inputs/2025"));

    let run = s3
        .cpi()
        .args(["-v", "run", "--year", "2024", "--input", "s3://cpi/inputs/2025", "--output", "s3://cpi/results/2024"])
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{log}");
    assert!(!log.contains("a-secret-that-must-not-be-logged"), "the secret key appears in the log");

    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("out");
    let ok = s3.cpi().args(["-q", "run", "--year", "2024", "--input"]).arg(&samples).arg("--output").arg(&local).status().unwrap();
    assert!(ok.success());

    let remote = objects(&s3.bucket("results/2024"));
    let local = common::files_in(&local);
    assert_eq!(remote.keys().collect::<Vec<_>>(), local.keys().collect::<Vec<_>>(), "same files");
    for (file, bytes) in &local {
        if file.ends_with(".parquet") {
            assert_eq!(remote.get(file), Some(bytes), "{file}: byte-identical to the local run");
        }
    }
    // The manifests differ only in times and where the inputs were: same inputs (SHA-256),
    // same outputs (SHA-256).
    let (m_remote, m_local) = (manifest(&remote["manifest.json"]), manifest(&local["manifest.json"]));
    assert_eq!(m_remote["inputs"], m_local["inputs"]);
    assert_eq!(m_remote["outputs"], m_local["outputs"]);
    assert_eq!(m_remote["input_rows"].as_array().unwrap().len(), m_local["input_rows"].as_array().unwrap().len());
    assert_eq!(m_remote["input_location"], "s3://cpi/inputs/2025");

    // Nothing but the results folder is left beside it (no staging folder).
    let results = objects(&s3.bucket("results"));
    assert!(results.keys().all(|k| k.starts_with("2024/")), "{:?}", results.keys().collect::<Vec<_>>());

    // `cpi verify` works on the bucket, and a second run without --overwrite is refused.
    let verify = s3.cpi().args(["verify", "--output", "s3://cpi/results/2024"]).output().unwrap();
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));
    let again = s3.cpi().args(["-q", "run", "--year", "2024", "--input", "s3://cpi/inputs/2025", "--output", "s3://cpi/results/2024"]).output().unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("s3://cpi/results/2024"));
}

#[test]
fn a_failed_or_killed_run_leaves_the_outputs_in_the_bucket_untouched() {
    let s3 = S3Server::start();
    upload(&fixture("handworked"), &s3.bucket("inputs/handworked"));
    let ok = s3.cpi().args(["-q", "run", "--year", "2024", "--input", "s3://cpi/inputs/handworked", "--output", "s3://cpi/results/2024"]).status().unwrap();
    assert!(ok.success());
    let before = objects(&s3.bucket("results"));

    // A run that fails on bad input (the KBO folder is missing) exits 2 and changes nothing.
    upload(&fixture("handworked").join("clusters"), &s3.bucket("inputs/broken/clusters"));
    let failed = s3.cpi().args(["-q", "run", "--year", "2024", "--overwrite", "--input", "s3://cpi/inputs/broken", "--output", "s3://cpi/results/2024"]).output().unwrap();
    assert_eq!(failed.status.code(), Some(2), "{}", String::from_utf8_lossy(&failed.stderr));
    assert_eq!(objects(&s3.bucket("results")), before);

    // A run on a larger input killed while it computes changes nothing either.
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big");
    assert!(s3.cpi().args(["-q", "generate", "--scale", "0.03", "--seed", "7", "--output"]).arg(&big).status().unwrap().success());
    upload(&big, &s3.bucket("inputs/big"));
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let mut child = s3
        .cpi()
        .env("TMPDIR", &tmp)
        .args(["-q", "run", "--year", "2024", "--overwrite", "--input", "s3://cpi/inputs/big", "--output", "s3://cpi/results/2024"])
        .spawn()
        .unwrap();
    // Busy once its inputs are downloaded and being read.
    let started = Instant::now();
    while std::fs::read_dir(&tmp).unwrap().count() < 2 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap();
    assert!(!child.wait().unwrap().success(), "the run was killed before it could finish");
    assert_eq!(objects(&s3.bucket("results")), before);

    // The next run publishes normally.
    let again = s3.cpi().args(["-q", "run", "--year", "2024", "--overwrite", "--input", "s3://cpi/inputs/handworked", "--output", "s3://cpi/results/2024"]).status().unwrap();
    assert!(again.success());
    let after = objects(&s3.bucket("results"));
    for (file, bytes) in &before {
        if file.ends_with(".parquet") {
            assert_eq!(after.get(file), Some(bytes), "{file}: same inputs, same bytes");
        }
    }
    assert_eq!(after.keys().collect::<Vec<_>>(), before.keys().collect::<Vec<_>>());
}
