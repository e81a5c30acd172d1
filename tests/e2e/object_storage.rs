//! `s3://` inputs and outputs against a real S3-compatible server: moto in server mode
//! (`pip install -r ci/requirements.txt`), started on 127.0.0.1 by each test.

use crate::common;

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
    /// The runs' temporary folder: a run the tests kill cannot remove its downloaded input,
    /// so it is left here, removed with the server, instead of in the machine's /tmp.
    scratch: tempfile::TempDir,
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
        let mut server = S3Server { child, port, scratch: tempfile::tempdir().unwrap() };
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
            .env("AWS_ALLOW_HTTP", "true")
            .env("TMPDIR", self.scratch.path())
            // A killed run's lock expires after 3 s instead of 120 s, so the tests' next runs
            // (with --wait) take it over quickly.
            .env("CPI_LOCK_EXPIRY_SECONDS", "3");
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
    // The killed run's lock object stays until it expires; the outputs are untouched.
    let mut left = objects(&s3.bucket("results"));
    assert!(left.remove(".2024.lock").is_some(), "the killed run held the folder's lock");
    assert_eq!(left, before);

    // The next run waits for the dead run's lock to expire (3 s here) and publishes normally.
    let again = s3.cpi().args(["-q", "run", "--wait", "--year", "2024", "--overwrite", "--input", "s3://cpi/inputs/handworked", "--output", "s3://cpi/results/2024"]).status().unwrap();
    assert!(again.success());
    let after = objects(&s3.bucket("results"));
    for (file, bytes) in &before {
        if file.ends_with(".parquet") {
            assert_eq!(after.get(file), Some(bytes), "{file}: same inputs, same bytes");
        }
    }
    assert_eq!(after.keys().collect::<Vec<_>>(), before.keys().collect::<Vec<_>>());
}

/// Runs `cpi run` for 2024 from `input` into `output` and returns its stderr.
fn run_ok(s3: &S3Server, input: &str, output: &str) -> String {
    let run = s3.cpi().args(["-q", "run", "--year", "2024", "--input", input, "--output", output]).output().unwrap();
    let log = String::from_utf8_lossy(&run.stderr).to_string();
    assert!(run.status.success(), "{input}: {log}");
    log
}

/// Moves every file under `from` into `to` (both below the input folder), keeping names.
fn move_files(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::rename(&path, to.join(path.file_name().unwrap())).unwrap();
        }
    }
}

/// Every input layout cpi accepts gives, read from a bucket, the bytes it gives from a local
/// folder. Two generated inputs cover the layouts: loose KBO CSVs with the CBSO's JSON extract
/// zips and one member spreadsheet per cluster; the KBO zip with long-form CSV accounts moved
/// into nested folders and one members.csv. (Before the fix, the loose-CSV register read from a
/// bucket was an empty table: companies_in_register 0, and the run published.)
#[test]
fn every_input_layout_gives_the_same_bytes_from_a_bucket_as_from_a_local_folder() {
    let s3 = S3Server::start();
    let dir = tempfile::tempdir().unwrap();
    let layouts: [(&str, &[&str]); 2] =
        [("loose", &["--accounts-format", "cbso", "--members-format", "spreadsheets"]), ("zipped", &["--zip", "--accounts-format", "csv"])];
    for (name, flags) in layouts {
        let input = dir.path().join(name);
        let generated = s3.cpi().args(["-q", "generate", "--scale", "0.002", "--seed", "3"]).args(flags).arg("--output").arg(&input).status().unwrap();
        assert!(generated.success());
        // The precondition of each layout, checked: what the name says is on disk.
        let kbo: Vec<String> = std::fs::read_dir(input.join("kbo")).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().to_string()).collect();
        assert_eq!(kbo.iter().any(|f| f.ends_with(".zip")), name == "zipped", "{kbo:?}");
        if name == "zipped" {
            move_files(&input.join("accounts"), &input.join("accounts/nbb/2025/deliveries"));
        } else {
            assert!(std::fs::read_dir(input.join("clusters/members")).unwrap().any(|e| e.unwrap().path().extension().is_some_and(|x| x == "xlsx")));
            assert!(std::fs::read_dir(input.join("accounts/cbso")).unwrap().any(|e| e.unwrap().path().extension().is_some_and(|x| x == "zip")));
        }
        upload(&input, &s3.bucket(&format!("inputs/{name}")));

        let local = dir.path().join(format!("out-{name}"));
        run_ok(&s3, &input.to_string_lossy(), &local.to_string_lossy());
        run_ok(&s3, &format!("s3://cpi/inputs/{name}"), &format!("s3://cpi/results/{name}"));

        let remote = objects(&s3.bucket(&format!("results/{name}")));
        let local = common::files_in(&local);
        assert_eq!(remote.keys().collect::<Vec<_>>(), local.keys().collect::<Vec<_>>(), "{name}: same files");
        for (file, bytes) in local.iter().filter(|(f, _)| f.ends_with(".parquet")) {
            assert_eq!(remote.get(file), Some(bytes), "{name}: {file} byte-identical to the local run");
        }
        let (m_remote, m_local) = (manifest(&remote["manifest.json"]), manifest(&local["manifest.json"]));
        assert_eq!(m_remote["method_counts"], m_local["method_counts"], "{name}");
        assert_eq!(m_remote["inputs"], m_local["inputs"], "{name}");
        // And the register was matched: the generator's filers are in its register.
        let in_register = m_local["method_counts"]["companies_in_register"].as_i64().unwrap();
        let not_in_register = m_local["method_counts"]["companies_filing_not_in_register"].as_i64().unwrap();
        let filing = m_local["method_counts"]["companies_filing"].as_i64().unwrap();
        assert!(in_register > 0 && filing > not_in_register, "{name}: {}", m_local["method_counts"]);
    }
}

/// Two runs onto one bucket folder: the second stops at once (exit 6) and names the lock and its
/// holder; the first publishes and releases the lock; with --wait the second waits and publishes.
#[test]
fn two_runs_onto_one_bucket_folder_never_interleave() {
    let s3 = S3Server::start();
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big");
    assert!(s3.cpi().args(["-q", "generate", "--scale", "0.02", "--seed", "5", "--output"]).arg(&big).status().unwrap().success());
    upload(&big, &s3.bucket("inputs/big"));
    upload(&fixture("handworked"), &s3.bucket("inputs/handworked"));

    let mut first = s3.cpi().args(["-q", "run", "--year", "2024", "--input", "s3://cpi/inputs/big", "--output", "s3://cpi/results/2024"]).spawn().unwrap();
    // The first run holds the lock once the lock object exists.
    let results = s3.bucket("results");
    let started = Instant::now();
    while !block_on(results.exists(".2024.lock")).unwrap() {
        assert!(started.elapsed() < Duration::from_secs(60), "the first run never took the lock");
        assert!(first.try_wait().unwrap().is_none(), "the first run ended before the second could start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let second = s3.cpi().args(["run", "--year", "2024", "--overwrite", "--input", "s3://cpi/inputs/handworked", "--output", "s3://cpi/results/2024"]).output().unwrap();
    let message = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(6), "{message}");
    assert!(message.contains("s3://cpi/results/.2024.lock") && message.contains("cpi run") && message.contains(&format!("pid {}", first.id())), "{message}");
    assert!(first.wait().unwrap().success());
    assert!(!block_on(results.exists(".2024.lock")).unwrap(), "the lock is released");
    let verify = s3.cpi().args(["verify", "--output", "s3://cpi/results/2024"]).output().unwrap();
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));

    // With --wait the second run waits for the first instead.
    let mut first = s3.cpi().args(["-q", "run", "--year", "2024", "--overwrite", "--input", "s3://cpi/inputs/big", "--output", "s3://cpi/results/2024"]).spawn().unwrap();
    let started = Instant::now();
    while !block_on(results.exists(".2024.lock")).unwrap() && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let waited = s3.cpi().args(["-q", "run", "--wait", "--year", "2024", "--overwrite", "--input", "s3://cpi/inputs/handworked", "--output", "s3://cpi/results/2024"]).output().unwrap();
    assert!(waited.status.success(), "{}", String::from_utf8_lossy(&waited.stderr));
    assert!(first.wait().unwrap().success());
    // The waiting run published last: the folder holds the hand-worked fixture's run.
    let manifest = manifest(&objects(&s3.bucket("results/2024"))["manifest.json"]);
    assert_eq!(manifest["input_location"], "s3://cpi/inputs/handworked");
    assert!(s3.cpi().args(["verify", "--output", "s3://cpi/results/2024"]).status().unwrap().success());
}

/// An HTTP proxy on loopback between cpi and the S3 server that injects faults into a fixed
/// share of the requests: a 503 answer (every 4th request), a connection reset after the
/// request was read, before any answer (every 7th), a slow answer (400 ms, every 5th). The
/// rest are passed on unchanged. Each request goes to the server on a connection of its own,
/// and every answer closes the client's connection.
struct FaultProxy {
    port: u16,
    faults: Arc<std::sync::Mutex<BTreeMap<&'static str, u32>>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl FaultProxy {
    fn start(upstream: u16) -> FaultProxy {
        use std::io::{Read, Write};
        use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let faults: Arc<std::sync::Mutex<BTreeMap<&'static str, u32>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(AtomicU32::new(0));
        let (f, s) = (faults.clone(), stop.clone());
        std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                let client = match listener.accept() {
                    Ok((c, _)) => c,
                    Err(_) => {
                        std::thread::sleep(Duration::from_millis(5));
                        continue;
                    }
                };
                let (faults, requests) = (f.clone(), requests.clone());
                std::thread::spawn(move || {
                    let mut client = client;
                    client.set_nonblocking(false).unwrap();
                    client.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
                    // One request a connection: every answer closes it.
                    let Some(request) = read_request(&mut client) else { return };
                    let n = requests.fetch_add(1, Ordering::SeqCst) + 1;
                    let fault = if n % 4 == 0 { "503" } else if n % 7 == 0 { "reset" } else if n % 5 == 0 { "slow" } else { "none" };
                    *faults.lock().unwrap().entry(fault).or_default() += 1;
                    match fault {
                        "503" => {
                            let body = "<Error><Code>SlowDown</Code><Message>injected</Message></Error>";
                            let _ = write!(client, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
                            return;
                        }
                        "reset" => {
                            // No answer at all: the connection is dropped.
                            let _ = client.shutdown(std::net::Shutdown::Both);
                            return;
                        }
                        "slow" => std::thread::sleep(Duration::from_millis(400)),
                        _ => {}
                    }
                    let Ok(mut server) = TcpStream::connect(("127.0.0.1", upstream)) else { return };
                    if server.write_all(&request).is_err() {
                        return;
                    }
                    let mut answer = vec![];
                    let _ = server.read_to_end(&mut answer);
                    let _ = client.write_all(&close_after(&answer));
                });
            }
        });
        FaultProxy { port, faults, stop }
    }

    fn faults(&self) -> BTreeMap<&'static str, u32> {
        self.faults.lock().unwrap().clone()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// One HTTP/1.1 request from `stream` (head and Content-Length body), rewritten to ask the
/// server to close the connection after its answer; None when the client closed.
fn read_request(stream: &mut TcpStream) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut head = vec![];
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return None,
        }
    }
    let text = String::from_utf8_lossy(&head).to_string();
    let length = text
        .lines()
        .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("content-length")).map(|(_, v)| v.trim().parse::<usize>().unwrap()))
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).ok()?;
    let lines: Vec<&str> = text.trim_end().split("\r\n").filter(|l| !l.to_ascii_lowercase().starts_with("connection:")).collect();
    let mut request = format!("{}\r\nConnection: close\r\n\r\n", lines.join("\r\n")).into_bytes();
    request.extend(body);
    Some(request)
}

/// The server's answer with `Connection: close` in its head.
fn close_after(answer: &[u8]) -> Vec<u8> {
    let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") else { return answer.to_vec() };
    let head = String::from_utf8_lossy(&answer[..end]).to_string();
    let lines: Vec<&str> = head.split("\r\n").filter(|l| !l.to_ascii_lowercase().starts_with("connection:")).collect();
    let mut out = format!("{}\r\nConnection: close\r\n\r\n", lines.join("\r\n")).into_bytes();
    out.extend_from_slice(&answer[end + 4..]);
    out
}

/// A store that answers 503, drops connections and answers slowly: object_store retries (its
/// defaults: up to 10 retries with exponential backoff from 100 ms, at most 3 minutes per
/// request; 5xx answers always, a dropped connection for idempotent requests, and cpi reads its
/// lock back after a dropped conditional put), so the run publishes the bytes of a run through
/// a healthy store, and the folder verifies.
#[test]
fn a_store_that_fails_now_and_then_gives_the_same_outputs_through_retries() {
    let s3 = S3Server::start();
    upload(&fixture("handworked"), &s3.bucket("inputs/handworked"));
    run_ok(&s3, "s3://cpi/inputs/handworked", "s3://cpi/results/direct");

    let proxy = FaultProxy::start(s3.port);
    let through_proxy = |args: &[&str]| {
        s3.cpi().env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{}", proxy.port)).args(args).output().unwrap()
    };
    let run = through_proxy(&["run", "--year", "2024", "--input", "s3://cpi/inputs/handworked", "--output", "s3://cpi/results/faulty"]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let verify = through_proxy(&["verify", "--output", "s3://cpi/results/faulty"]);
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));
    // The precondition: every kind of fault was injected into this run.
    let faults = proxy.faults();
    for kind in ["503", "reset", "slow", "none"] {
        assert!(faults.get(kind).copied().unwrap_or(0) > 0, "no {kind} injected: {faults:?}");
    }
    let (direct, faulty) = (objects(&s3.bucket("results/direct")), objects(&s3.bucket("results/faulty")));
    assert_eq!(direct.keys().collect::<Vec<_>>(), faulty.keys().collect::<Vec<_>>());
    for (file, bytes) in direct.iter().filter(|(f, _)| f.ends_with(".parquet")) {
        assert_eq!(faulty.get(file), Some(bytes), "{file}: the same bytes through a faulty store");
    }
    // Nothing is left beside the folder: no staging folder, no lock.
    let results = objects(&s3.bucket("results"));
    assert!(results.keys().all(|k| k.starts_with("direct/") || k.starts_with("faulty/")), "{:?}", results.keys().collect::<Vec<_>>());
}

/// kill -9 at random moments of `cpi run` and `cpi report` writing to a bucket (seeded, so the
/// moments are the same each time): afterwards the folder verifies, or (killed while it was
/// being replaced: no manifest.json) the next run finishes the interrupted publish; the next run
/// (waiting for the dead run's lock to expire) publishes the same bytes.
#[test]
fn kills_at_random_moments_of_a_run_into_a_bucket_leave_a_folder_that_verifies() {
    use rand::{Rng, SeedableRng};
    let s3 = S3Server::start();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    assert!(s3.cpi().args(["-q", "generate", "--scale", "0.005", "--seed", "13", "--output"]).arg(&input).status().unwrap().success());
    upload(&input, &s3.bucket("inputs/gen"));
    let args = ["-q", "run", "--wait", "--overwrite", "--year", "2024", "--input", "s3://cpi/inputs/gen", "--output", "s3://cpi/results/2024"];
    let started = Instant::now();
    assert!(s3.cpi().args(args).status().unwrap().success());
    let full = started.elapsed();
    let reference = objects(&s3.bucket("results/2024"));
    let verifies = || s3.cpi().args(["-q", "verify", "--output", "s3://cpi/results/2024"]).status().unwrap().success();

    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2029);
    let mut killed = 0;
    for command in ["run", "run", "run", "report"] {
        let mut child = match command {
            "run" => s3.cpi().args(args).spawn().unwrap(),
            _ => s3.cpi().args(["-q", "report", "--wait", "--lang", "en", "--output", "s3://cpi/results/2024"]).spawn().unwrap(),
        };
        let expected = if command == "run" { full } else { Duration::from_millis(400) };
        std::thread::sleep(expected.mul_f64(rng.random_range(0.05..1.0)));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            killed += 1;
        }
        child.wait().unwrap();
        let results = objects(&s3.bucket("results"));
        let interrupted_publish = !results.contains_key("2024/manifest.json");
        if interrupted_publish {
            // The dead run's staging folder is complete (its manifest staged last).
            assert!(results.keys().any(|k| k.starts_with(".2024.staging-") && k.ends_with("/manifest.json")), "{:?}", results.keys().collect::<Vec<_>>());
        } else {
            assert!(verifies(), "after a kill of cpi {command}: the folder verifies");
        }
        // The next run (after the dead run's lock expires) publishes the same bytes.
        assert!(s3.cpi().args(args).status().unwrap().success());
        assert!(verifies());
        let after = objects(&s3.bucket("results/2024"));
        for (file, bytes) in reference.iter().filter(|(f, _)| f.ends_with(".parquet")) {
            assert_eq!(after.get(file), Some(bytes), "{file}");
        }
    }
    assert!(killed >= 2, "the precondition: most kills hit a running process ({killed} of 4)");
}
