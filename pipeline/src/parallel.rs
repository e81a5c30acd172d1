//! Running independent pieces of work (files to read, hash or count) on every core.

/// `f` applied to every item, on as many threads as there are cores; results in item order.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(usize, &T) -> R + Sync) -> Vec<R> {
    map_largest_first(items, |_| 0, f)
}

/// As [`map`], but the threads take the items largest first (by `size`, e.g. bytes of a file),
/// so that no core is left alone with a large file at the end (the account files at F = 1.0:
/// taken in name order, the last and largest ran alone for 3 s). Results stay in item order.
pub fn map_largest_first<T: Sync, R: Send>(items: &[T], size: impl Fn(&T) -> u64, f: impl Fn(usize, &T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(items.len()).max(1);
    let order = largest_first(&items.iter().map(size).collect::<Vec<_>>());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new((0..items.len()).map(|_| None).collect::<Vec<Option<R>>>());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some(&i) = order.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
                    let r = f(i, &items[i]);
                    results.lock().expect("no worker panicked")[i] = Some(r);
                }
            });
        }
    });
    results.into_inner().expect("no worker panicked").into_iter().map(|r| r.expect("every item done")).collect()
}

/// The indices of `sizes`, largest first (equal sizes in index order).
fn largest_first(sizes: &[u64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(sizes[i]));
    order
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_item_order() {
        let items: Vec<u64> = (0..100).collect();
        assert_eq!(super::map(&items, |i, x| (i as u64) * 1000 + x * 2), (0..100).map(|x| x * 1000 + x * 2).collect::<Vec<_>>());
    }

    #[test]
    fn takes_the_largest_first_and_keeps_item_order() {
        assert_eq!(super::largest_first(&[3, 9, 1, 7, 9]), vec![1, 4, 3, 0, 2]);
        let items: Vec<u64> = vec![3, 9, 1, 7];
        assert_eq!(super::map_largest_first(&items, |x| *x, |i, x| (i, *x)), vec![(0, 3), (1, 9), (2, 1), (3, 7)]);
    }
}
