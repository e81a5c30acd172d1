//! Running independent pieces of work (files to read, hash or count) on every core.

/// `f` applied to every item, on as many threads as there are cores; results in item order.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(usize, &T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(items.len()).max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new((0..items.len()).map(|_| None).collect::<Vec<Option<R>>>());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(i, item);
                results.lock().expect("no worker panicked")[i] = Some(r);
            });
        }
    });
    results.into_inner().expect("no worker panicked").into_iter().map(|r| r.expect("every item done")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_item_order() {
        let items: Vec<u64> = (0..100).collect();
        assert_eq!(super::map(&items, |i, x| (i as u64) * 1000 + x * 2), (0..100).map(|x| x * 1000 + x * 2).collect::<Vec<_>>());
    }
}
