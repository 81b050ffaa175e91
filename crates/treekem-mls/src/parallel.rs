//! Independent tasks spread over threads (feature `parallel`, on by default), for the costs
//! of a large group that split into many equal pieces: the HPKE encryptions of an
//! UpdatePath's path secrets (one per member of the copath resolutions) and of a Welcome's
//! GroupSecrets (one per joiner), the leaf signatures a joiner checks, and the KeyPackage
//! signatures of a Commit's Adds.
//!
//! [`map`] runs a function over a slice of tasks and returns the results in the tasks' order;
//! [`map_runs`] hands each thread's whole run to the function, for work cheaper done together.
//! With the feature, the tasks are cut into one contiguous run per available core
//! ([`std::thread::available_parallelism`], read once), each run at least `per_thread` tasks
//! (a run must be worth starting a thread for: some hundreds of microseconds), and run on
//! scoped threads ([`std::thread::scope`]: no dependency, no pool kept between calls);
//! without it, or with one core, too few tasks, or a platform that cannot spawn a thread
//! (`wasm32` without threads), they run in the calling thread. The results are the same
//! either way: callers make tasks independent of one another and give each its own
//! randomness, a seed drawn in task order before the split
//! ([`primitives::rand::SeededRng`]), so outputs do not depend on the number of threads.
//!
//! [`in_signature_batches`] cuts signature checks into batches of [`SIGNATURE_BATCH`] (one
//! batch equation each for Ed25519) and spreads the batches the same way.

use crate::Result;

/// The signatures one batch equation checks (a ratchet tree's leaves on join). The
/// multiscalar multiplication costs about 10.6, 9.3, 8.0 and 7.3 µs per signature for
/// batches of 64, 128, 256 and 512 on the project's machine (a join of 1 000 members:
/// 12.9 ms with 256, 12.4 ms with 512, on two threads); past that a bigger batch saves
/// little and spreads less evenly over threads.
pub(crate) const SIGNATURE_BATCH: usize = 512;

/// Runs `check` on consecutive batches of at most [`SIGNATURE_BATCH`] items, spread over
/// threads as [`map`] does, and returns the first error in the items' order. The batches are
/// cut the same way whatever the number of threads, so the verdict does not depend on it.
///
/// # Errors
/// The first batch's error, or [`crate::Error::Internal`] as [`map`].
pub(crate) fn in_signature_batches<T: Sync>(
    items: &[T],
    check: impl Fn(&[T]) -> Result<()> + Sync,
) -> Result<()> {
    let batches: Vec<&[T]> = items.chunks(SIGNATURE_BATCH).collect();
    map(&batches, 1, |batch| check(batch))?
        .into_iter()
        .collect()
}

/// Applies `f` to every task, on as many threads as there are cores and runs of at least
/// `per_thread` tasks (with the feature), and returns the results in the tasks' order.
///
/// # Errors
/// [`crate::Error::Internal`] if a worker thread panicked (a bug: nothing reachable from input
/// panics).
pub(crate) fn map<T: Sync, R: Send>(
    tasks: &[T],
    per_thread: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Result<Vec<R>> {
    map_runs(tasks, per_thread, |run| Ok(run.iter().map(&f).collect()))
}

/// Applies `f` to contiguous runs of the tasks, one run per thread as [`map`] splits them (the
/// whole slice in one run without the feature), and returns the results of all runs in the
/// tasks' order: for work that is cheaper done together (HPKE encryptions sharing field
/// inversions). `f` must give one result per task, and the same results however the tasks are
/// cut into runs.
///
/// # Errors
/// The first run's error, in task order; [`crate::Error::Internal`] if a worker thread panicked.
pub(crate) fn map_runs<T: Sync, R: Send>(
    tasks: &[T],
    per_thread: usize,
    f: impl Fn(&[T]) -> Result<Vec<R>> + Sync,
) -> Result<Vec<R>> {
    #[cfg(feature = "parallel")]
    {
        let threads = threads().min(tasks.len() / per_thread.max(1));
        if threads > 1 {
            return map_on_threads(tasks, threads, &f);
        }
    }
    #[cfg(not(feature = "parallel"))]
    let _ = per_thread;
    f(tasks)
}

/// The number of threads to use: the available parallelism, read once.
#[cfg(feature = "parallel")]
fn threads() -> usize {
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from))
}

/// [`map_runs`] on `threads` threads (this one included), each taking one contiguous run of
/// tasks; a run whose thread cannot be spawned is done here.
#[cfg(feature = "parallel")]
fn map_on_threads<T: Sync, R: Send>(
    tasks: &[T],
    threads: usize,
    f: &(impl Fn(&[T]) -> Result<Vec<R>> + Sync),
) -> Result<Vec<R>> {
    let run = tasks.len().div_ceil(threads);
    let mut runs = tasks.chunks(run);
    let first = runs.next().unwrap_or_default();
    std::thread::scope(|scope| {
        let spawned: Vec<_> = runs
            .map(|part| {
                std::thread::Builder::new()
                    .spawn_scoped(scope, move || f(part))
                    .map_err(|_| part)
            })
            .collect();
        let mut out: Vec<R> = f(first)?;
        for handle in spawned {
            match handle {
                Ok(handle) => out.extend(
                    handle
                        .join()
                        .map_err(|_| crate::Error::Internal("a worker thread panicked"))??,
                ),
                Err(part) => out.extend(f(part)?),
            }
        }
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_task_order() {
        for n in [0usize, 1, 2, 3, 7, 64, 1000] {
            let tasks: Vec<usize> = (0..n).collect();
            let out = map(&tasks, 1, |&t| t * t).unwrap();
            assert_eq!(map(&tasks, 5, |&t| t * t).unwrap(), out);
            assert_eq!(out, tasks.iter().map(|t| t * t).collect::<Vec<_>>());
        }
    }

    #[cfg(feature = "parallel")]
    #[test]
    fn any_thread_count_gives_the_same_results() {
        let tasks: Vec<u64> = (0..37).collect();
        let one: Vec<u64> = tasks.iter().map(|t| t.wrapping_mul(0x9e37_79b9)).collect();
        for threads in 1..=8 {
            let out = map_on_threads(&tasks, threads, &|run: &[u64]| {
                Ok(run.iter().map(|t| t.wrapping_mul(0x9e37_79b9)).collect())
            });
            assert_eq!(out.unwrap(), one, "{threads} threads");
        }
    }
}
