//! Many calls of one operation at once: bounded concurrency, one shared slowdown when Adapty
//! answers `429`, "not found" as an outcome, graceful cancellation and live counts.
//!
//! Adapty's API has no bulk endpoints: deleting (or updating) many profiles means many concurrent
//! requests. [`Bulk::run`] runs an operation over a stream of inputs and yields one [`Outcome`]
//! per input; the clients' `delete_profiles` (and v1's `update_profiles`) are that run for their
//! operation.
//!
//! ```no_run
//! use adapty_api::bulk::{self, Bulk, Cancel, OutcomeKind};
//! use adapty_api::{ApiKey, ProfileSelector, v2};
//! use futures_util::StreamExt as _;
//!
//! # async fn demo(ids: Vec<adapty_api::uuid::Uuid>) -> Result<(), adapty_api::Error> {
//! let client = v2::Client::builder(ApiKey::new(std::env::var("ADAPTY_API_KEY").unwrap_or_default())?)
//!     .build()?;
//! let cancel = Cancel::new(); // `cancel.cancel()` from a Ctrl-C handler stops it gracefully
//! let profiles = bulk::iter(ids.into_iter().map(ProfileSelector::profile_id));
//! let mut run = client.delete_profiles(profiles, Bulk::new(32).cancel_on(&cancel));
//! let progress = run.progress(); // counts, readable from another task (a progress bar)
//! while let Some(outcome) = run.next().await {
//!     match &outcome.kind {
//!         OutcomeKind::Succeeded(_) => println!("#{} deleted", outcome.index),
//!         OutcomeKind::NotFound(_) => println!("#{} was not there", outcome.index),
//!         OutcomeKind::Failed(error) => eprintln!("#{} failed: {error}", outcome.index),
//!         _ => {}
//!     }
//! }
//! println!("{:?}", progress.counts());
//! # Ok(())
//! # }
//! ```
//!
//! **Order.** Outcomes come in the order the calls finish, not the order of the inputs; each
//! carries its input and [`index`](Outcome::index), the input's position in the stream (from 0).
//! Inputs are taken from the stream only when a call can start, so a long stream (a file read
//! line by line) is never held in memory.
//!
//! **Retries and timeouts** are the client's: each input is one call of the operation, which
//! retries transient failures under the client's [`RetryPolicy`](crate::RetryPolicy) within its
//! timeouts. The run's outcome for an input is that call's final result.
//!
//! **Rate limits.** When any call of the run gets `429 Too Many Requests`, the whole run pauses:
//! no call starts, and no call's retry is sent, until the `Retry-After` the answer asked for has
//! passed (one second when it gives none). The run's concurrency limit halves at the same time
//! (once per pause, never below one) and then grows back by one with each answered call, up to
//! [`Bulk::new`]'s limit. A batch that meets Adapty's rate limit therefore backs off as one
//! client instead of every call retrying on its own.
//!
//! **Slots.** When a call finishes, the run starts the next input's call before it hands over
//! the outcome, so the pool stays busy while the caller handles it (a caller that cancels on an
//! outcome may still see the outcome of the call that took the freed slot).
//!
//! **Cancellation.** After [`Cancel::cancel`], no further input is started; the calls in flight
//! finish (or time out) and their outcomes are still yielded, then the stream ends. Inputs not yet
//! taken stay in the input stream. Dropping the [`BulkRun`] instead abandons the calls in flight
//! at once, and their outcomes are unknown (a deletion may or may not have happened).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use futures_core::Stream;
use futures_util::stream::FuturesUnordered;
use reqwest::StatusCode;
use tokio::time::{Instant, Sleep};

use crate::{Error, Response, lock};

/// A stream of the items of an iterator (`futures_util::stream::iter`), to give [`Bulk::run`]
/// or a client's bulk method a list held in memory.
pub use futures_util::stream::iter;

/// The most calls a run keeps in flight.
pub const MAX_CONCURRENCY: usize = 1024;

/// How long a run pauses after a `429` that gives no `Retry-After`.
pub const DEFAULT_RATE_LIMIT_PAUSE: Duration = Duration::from_secs(1);

/// How a bulk run goes: how many calls at once, and what cancels it.
///
/// ```
/// use adapty_api::bulk::{Bulk, Cancel};
///
/// let cancel = Cancel::new();
/// let options = Bulk::new(64).cancel_on(&cancel);
/// assert_eq!(options.concurrency(), 64);
/// assert_eq!(Bulk::new(0).concurrency(), 1);
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Bulk {
    concurrency: usize,
    cancel: Option<Cancel>,
}

impl Bulk {
    /// At most `concurrency` calls in flight at once (clamped to 1..=[`MAX_CONCURRENCY`]).
    pub fn new(concurrency: usize) -> Self {
        Self {
            concurrency: concurrency.clamp(1, MAX_CONCURRENCY),
            cancel: None,
        }
    }

    /// The most calls in flight at once.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// Stops the run gracefully when `cancel` is cancelled (see [`Cancel`]).
    pub fn cancel_on(mut self, cancel: &Cancel) -> Self {
        self.cancel = Some(cancel.clone());
        self
    }

    /// Runs `op` once for each input of `inputs`, with at most [`concurrency`](Self::concurrency)
    /// calls in flight, and yields one [`Outcome`] per input (see the [module](self) for the
    /// order, rate limits and cancellation).
    ///
    /// `op` gets each input by reference and returns the call's future, which owns what it needs
    /// (clone the input into it):
    ///
    /// ```no_run
    /// use adapty_api::bulk::{self, Bulk};
    /// use adapty_api::{ProfileSelector, v1};
    /// use futures_util::StreamExt as _;
    ///
    /// # async fn demo(client: v1::Client, ids: Vec<ProfileSelector>) {
    /// let mut run = Bulk::new(16).run(bulk::iter(ids), |who: &ProfileSelector| {
    ///     let (client, who) = (&client, who.clone());
    ///     async move { client.get_profile(&who).await }
    /// });
    /// while let Some(outcome) = run.next().await {
    ///     println!("#{}: {}", outcome.index, outcome.label());
    /// }
    /// # }
    /// ```
    pub fn run<'a, I, T, S, F, Fut>(self, inputs: S, mut op: F) -> BulkRun<'a, I, T>
    where
        I: Send + 'a,
        T: Send + 'a,
        S: Stream<Item = I> + Send + 'a,
        F: FnMut(&I) -> Fut + Send + 'a,
        Fut: Future<Output = Result<Response<T>, Error>> + Send + 'a,
    {
        let gate = Arc::new(Gate::new(self.concurrency));
        BulkRun {
            inputs: Some(Box::pin(inputs)),
            op: Box::new(move |input: &I| Box::pin(op(input)) as CallFuture<'a, T>),
            in_flight: FuturesUnordered::new(),
            next_index: 0,
            gate,
            cancel: self.cancel,
            pause: None,
        }
    }
}

type CallFuture<'a, T> = Pin<Box<dyn Future<Output = Result<Response<T>, Error>> + Send + 'a>>;
type Operation<'a, I, T> = Box<dyn FnMut(&I) -> CallFuture<'a, T> + Send + 'a>;
type JobFuture<'a, I, T> = Pin<Box<dyn Future<Output = Outcome<I, T>> + Send + 'a>>;

/// A cancellation token for bulk runs: cheap to clone, and every clone cancels the same runs.
///
/// ```
/// use adapty_api::bulk::Cancel;
///
/// let cancel = Cancel::new();
/// let for_the_signal_handler = cancel.clone();
/// for_the_signal_handler.cancel();
/// assert!(cancel.is_cancelled());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<CancelState>);

#[derive(Debug, Default)]
struct CancelState {
    cancelled: AtomicBool,
    wakers: Mutex<Vec<Waker>>,
}

impl Cancel {
    /// A token not cancelled yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels every run given this token: no new call starts; the calls in flight finish.
    pub fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::SeqCst);
        let wakers = std::mem::take(&mut *lock(&self.0.wakers));
        for waker in wakers {
            waker.wake();
        }
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::SeqCst)
    }

    /// Whether it is cancelled; if not, `cx` is woken when it is.
    fn poll_cancelled(&self, cx: &Context<'_>) -> bool {
        if self.is_cancelled() {
            return true;
        }
        let mut wakers = lock(&self.0.wakers);
        if !wakers.iter().any(|w| w.will_wake(cx.waker())) {
            wakers.push(cx.waker().clone());
        }
        drop(wakers);
        // A cancel between the first check and the registration has taken the list already.
        self.is_cancelled()
    }
}

/// What happened to one input of a run.
#[derive(Debug)]
#[non_exhaustive]
pub struct Outcome<I, T> {
    /// The input's position in the input stream, from 0.
    pub index: u64,
    /// The input itself.
    pub input: I,
    /// The call's result.
    pub kind: OutcomeKind<T>,
}

/// The result of one input's call.
#[derive(Debug)]
#[non_exhaustive]
pub enum OutcomeKind<T> {
    /// The call succeeded.
    Succeeded(Response<T>),
    /// Adapty answered `404`, no such profile (an [`ApiError::is_not_found`](crate::ApiError::is_not_found)
    /// error): for a deletion, the profile is gone either way. An outcome, not a failure.
    NotFound(Error),
    /// The call failed for good (after the client's retries), or was refused before sending
    /// ([`Error::InvalidInput`]).
    Failed(Error),
}

impl<I, T> Outcome<I, T> {
    /// `"succeeded"`, `"not_found"` or `"failed"`.
    pub fn label(&self) -> &'static str {
        match self.kind {
            OutcomeKind::Succeeded(_) => "succeeded",
            OutcomeKind::NotFound(_) => "not_found",
            OutcomeKind::Failed(_) => "failed",
        }
    }

    /// The HTTP status of the final answer, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match &self.kind {
            OutcomeKind::Succeeded(response) => Some(response.status()),
            OutcomeKind::NotFound(error) | OutcomeKind::Failed(error) => error.status(),
        }
    }

    /// Adapty's request ID of the final answer, when it had one.
    pub fn request_id(&self) -> Option<&str> {
        match &self.kind {
            OutcomeKind::Succeeded(response) => response.request_id(),
            OutcomeKind::NotFound(error) | OutcomeKind::Failed(error) => error.request_id(),
        }
    }

    /// The error, unless the call succeeded.
    pub fn error(&self) -> Option<&Error> {
        match &self.kind {
            OutcomeKind::Succeeded(_) => None,
            OutcomeKind::NotFound(error) | OutcomeKind::Failed(error) => Some(error),
        }
    }
}

/// A running bulk operation: a [`Stream`] of one [`Outcome`] per input, in the order the calls
/// finish. Nothing is sent until it is polled.
#[must_use = "a bulk run sends nothing until it is polled"]
pub struct BulkRun<'a, I, T> {
    /// `None` once the stream has ended.
    inputs: Option<Pin<Box<dyn Stream<Item = I> + Send + 'a>>>,
    op: Operation<'a, I, T>,
    in_flight: FuturesUnordered<JobFuture<'a, I, T>>,
    next_index: u64,
    gate: Arc<Gate>,
    cancel: Option<Cancel>,
    /// The timer of the current rate-limit pause, while new calls wait for it.
    pause: Option<Pin<Box<Sleep>>>,
}

impl<I, T> std::fmt::Debug for BulkRun<'_, I, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkRun")
            .field("counts", &self.gate.counts())
            .finish_non_exhaustive()
    }
}

impl<'a, I: Send + 'a, T: Send + 'a> BulkRun<'a, I, T> {
    /// The next outcome, or `None` when the run is over: the [`Stream`] without a stream
    /// library (like [`Pages::next_page`](crate::Pages::next_page)).
    pub async fn next_outcome(&mut self) -> Option<Outcome<I, T>> {
        futures_util::StreamExt::next(self).await
    }

    /// The run's live counts, as a handle that any task can read while the run goes on.
    pub fn progress(&self) -> Progress {
        Progress(self.gate.clone())
    }

    fn cancelled(&self, cx: &Context<'_>) -> bool {
        self.cancel.as_ref().is_some_and(|c| c.poll_cancelled(cx))
    }

    /// Whether new calls must wait for a rate-limit pause; if so, `cx` is woken when it ends.
    fn paused(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(until) = self.gate.paused_until() else {
            self.pause = None;
            return false;
        };
        if until <= Instant::now() {
            self.pause = None;
            return false;
        }
        let sleep = self
            .pause
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(until)));
        if sleep.deadline() != until {
            sleep.as_mut().reset(until);
        }
        sleep.as_mut().poll(cx).is_pending()
    }

    /// Starts calls while there is room, input, no pause and no cancellation.
    fn start_calls(&mut self, cx: &mut Context<'_>) {
        while self.in_flight.len() < self.gate.limit() {
            if self.inputs.is_none() || self.cancelled(cx) || self.paused(cx) {
                return;
            }
            let Some(inputs) = self.inputs.as_mut() else {
                return;
            };
            match inputs.as_mut().poll_next(cx) {
                Poll::Ready(Some(input)) => {
                    let index = self.next_index;
                    self.next_index += 1;
                    let call = (self.op)(&input);
                    let gate = self.gate.clone();
                    gate.started.fetch_add(1, Ordering::Relaxed);
                    self.in_flight.push(Box::pin(async move {
                        let result = GATE.scope(gate, call).await;
                        Outcome {
                            index,
                            input,
                            kind: match result {
                                Ok(response) => OutcomeKind::Succeeded(response),
                                Err(Error::Api(e)) if e.is_not_found() => {
                                    OutcomeKind::NotFound(Error::Api(e))
                                }
                                Err(error) => OutcomeKind::Failed(error),
                            },
                        }
                    }));
                }
                Poll::Ready(None) => self.inputs = None,
                Poll::Pending => return,
            }
        }
    }
}

impl<'a, I: Send + 'a, T: Send + 'a> Stream for BulkRun<'a, I, T> {
    type Item = Outcome<I, T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        this.start_calls(cx);
        match Pin::new(&mut this.in_flight).poll_next(cx) {
            Poll::Ready(Some(outcome)) => {
                this.gate.finished(&outcome.kind);
                // A slot is free: start the next call now rather than on the next poll.
                this.start_calls(cx);
                Poll::Ready(Some(outcome))
            }
            // Nothing in flight: the run is over when no more input will start.
            Poll::Ready(None) if this.inputs.is_none() || this.cancelled(cx) => {
                this.inputs = None;
                Poll::Ready(None)
            }
            // Waiting for input, a pause or a call; each has registered the waker.
            Poll::Ready(None) | Poll::Pending => Poll::Pending,
        }
    }
}

impl<I, T> Unpin for BulkRun<'_, I, T> {}

/// Live counts of a run (see [`BulkRun::progress`]); cheap to clone.
///
/// ```
/// # async fn demo() {
/// use adapty_api::bulk::{self, Bulk};
/// use futures_util::StreamExt as _;
///
/// // Three calls refused before sending (not UUIDs): three failures, nothing sent.
/// let run = Bulk::new(4).run(bulk::iter(["a", "b", "c"]), |id: &&str| {
///     let refused: Result<adapty_api::Response<()>, _> =
///         adapty_api::ProfileSelector::parse_profile_id(id).map(|_| unreachable!());
///     async move { refused }
/// });
/// let progress = run.progress();
/// assert_eq!(run.count().await, 3);
/// let counts = progress.counts();
/// assert_eq!((counts.started, counts.failed, counts.finished()), (3, 3, 3));
/// # }
/// ```
#[derive(Clone)]
pub struct Progress(Arc<Gate>);

impl Progress {
    /// The counts now.
    pub fn counts(&self) -> Counts {
        self.0.counts()
    }
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Progress").field(&self.counts()).finish()
    }
}

/// How far a run is, by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Counts {
    /// Calls started (inputs taken from the stream).
    pub started: u64,
    /// Calls started and not finished.
    pub in_flight: u64,
    /// Outcomes [`OutcomeKind::Succeeded`].
    pub succeeded: u64,
    /// Outcomes [`OutcomeKind::NotFound`].
    pub not_found: u64,
    /// Outcomes [`OutcomeKind::Failed`].
    pub failed: u64,
    /// `429` answers seen (each paused the run).
    pub rate_limited: u64,
    /// How many calls may be in flight now (the adaptive limit).
    pub concurrency: u64,
    /// Whether the run is pausing now for a `429`'s `Retry-After`.
    pub paused: bool,
}

impl Counts {
    /// Outcomes so far, of every kind.
    pub fn finished(&self) -> u64 {
        self.succeeded + self.not_found + self.failed
    }
}

/// Writes a client's bulk methods (`delete_profiles`, `update_profiles`) over its
/// `delete_profile` and `update_profile`, in the `impl` of each version's `Client`.
macro_rules! profile_bulk_methods {
    ($version:ident) => {
        /// Deletes many profiles: [`delete_profile`](Self::delete_profile) for each selector of
        /// `profiles`, run by `bulk` (bounded concurrency, one shared slowdown on `429`, graceful
        /// cancellation, live counts; see [`crate::bulk`]). A profile that is not there is an
        /// [`OutcomeKind::NotFound`](crate::bulk::OutcomeKind::NotFound) outcome, not a failure.
        ///
        /// ```no_run
        #[doc = concat!("use adapty_api::{ApiKey, ProfileSelector, bulk, ", stringify!($version), "};")]
        /// use futures_util::StreamExt as _;
        ///
        /// # async fn demo(ids: Vec<adapty_api::uuid::Uuid>) -> Result<(), adapty_api::Error> {
        #[doc = concat!("let client = ", stringify!($version), "::Client::builder(ApiKey::new(\"secret_live_...\")?).build()?;")]
        /// let profiles = bulk::iter(ids.into_iter().map(ProfileSelector::profile_id));
        /// let mut run = client.delete_profiles(profiles, bulk::Bulk::new(32));
        /// while let Some(outcome) = run.next().await {
        ///     println!("#{} {} ({:?})", outcome.index, outcome.label(), outcome.status());
        /// }
        /// # Ok(())
        /// # }
        /// ```
        pub fn delete_profiles<'a, S>(
            &'a self,
            profiles: S,
            bulk: crate::bulk::Bulk,
        ) -> crate::bulk::BulkRun<'a, ProfileSelector, ()>
        where
            S: futures_core::Stream<Item = ProfileSelector> + Send + 'a,
        {
            bulk.run(profiles, move |profile: &ProfileSelector| {
                let profile = profile.clone();
                async move { self.delete_profile(&profile).await }
            })
        }

        /// Updates many profiles: [`update_profile`](Self::update_profile) for each pair of
        /// `updates`, run by `bulk` (see [`delete_profiles`](Self::delete_profiles)). Each request
        /// is checked before it is sent; a refused one is a
        /// [`Failed`](crate::bulk::OutcomeKind::Failed) outcome with [`Error::InvalidInput`].
        pub fn update_profiles<'a, S>(
            &'a self,
            updates: S,
            bulk: crate::bulk::Bulk,
        ) -> crate::bulk::BulkRun<'a, (ProfileSelector, types::ProfileRequest), types::Profile>
        where
            S: futures_core::Stream<Item = (ProfileSelector, types::ProfileRequest)> + Send + 'a,
        {
            bulk.run(
                updates,
                move |(profile, request): &(ProfileSelector, types::ProfileRequest)| {
                    let (profile, request) = (profile.clone(), request.clone());
                    async move { self.update_profile(&profile, &request).await }
                },
            )
        }
    };
}
pub(crate) use profile_bulk_methods;

tokio::task_local! {
    /// The gate of the bulk run a call belongs to, for the attempt loop (`send.rs`).
    static GATE: Arc<Gate>;
}

/// What the calls of one run share: the counts, the adaptive limit and the rate-limit pause.
#[derive(Debug)]
struct Gate {
    max: usize,
    limit: AtomicUsize,
    started: AtomicU64,
    succeeded: AtomicU64,
    not_found: AtomicU64,
    failed: AtomicU64,
    rate_limited: AtomicU64,
    pause: Mutex<Pause>,
}

#[derive(Debug, Default)]
struct Pause {
    /// No call is sent before this.
    until: Option<Instant>,
}

impl Gate {
    fn new(max: usize) -> Self {
        Self {
            max,
            limit: AtomicUsize::new(max),
            started: AtomicU64::new(0),
            succeeded: AtomicU64::new(0),
            not_found: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            rate_limited: AtomicU64::new(0),
            pause: Mutex::new(Pause::default()),
        }
    }

    fn limit(&self) -> usize {
        self.limit.load(Ordering::Relaxed)
    }

    fn paused_until(&self) -> Option<Instant> {
        lock(&self.pause).until
    }

    /// A `429` asked for `retry_after`: the run pauses until then, and the limit halves unless
    /// this answer belongs to a pause already under way.
    fn rate_limited(&self, retry_after: Option<Duration>) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
        let now = Instant::now();
        let wait = retry_after.unwrap_or(DEFAULT_RATE_LIMIT_PAUSE);
        let until = now.checked_add(wait).unwrap_or(now);
        let mut pause = lock(&self.pause);
        let new_pause = pause.until.is_none_or(|current| current <= now);
        if new_pause {
            let halved = (self.limit() / 2).max(1);
            self.limit.store(halved, Ordering::Relaxed);
            tracing::warn!(
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                concurrency = halved,
                "Adapty rate limit: the bulk run pauses and halves its concurrency"
            );
        }
        if pause.until.is_none_or(|current| current < until) {
            pause.until = Some(until);
        }
    }

    fn finished<T>(&self, kind: &OutcomeKind<T>) {
        let counter = match kind {
            OutcomeKind::Succeeded(_) => &self.succeeded,
            OutcomeKind::NotFound(_) => &self.not_found,
            OutcomeKind::Failed(_) => &self.failed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        // Additive increase: one more call in flight per answered call, outside a pause.
        if !matches!(kind, OutcomeKind::Failed(_)) {
            let limit = self.limit();
            if limit < self.max && self.paused_until().is_none_or(|u| u <= Instant::now()) {
                self.limit.store(limit + 1, Ordering::Relaxed);
            }
        }
    }

    fn counts(&self) -> Counts {
        let started = self.started.load(Ordering::Relaxed);
        let succeeded = self.succeeded.load(Ordering::Relaxed);
        let not_found = self.not_found.load(Ordering::Relaxed);
        let failed = self.failed.load(Ordering::Relaxed);
        Counts {
            started,
            in_flight: started.saturating_sub(succeeded + not_found + failed),
            succeeded,
            not_found,
            failed,
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            concurrency: self.limit() as u64,
            paused: self.paused_until().is_some_and(|u| u > Instant::now()),
        }
    }
}

/// Before an attempt of a call that belongs to a bulk run: waits out the run's rate-limit pause.
/// Outside a run it returns at once.
pub(crate) async fn before_attempt() {
    let until = GATE.try_with(|gate| gate.paused_until()).ok().flatten();
    if let Some(until) = until
        && until > Instant::now()
    {
        tokio::time::sleep_until(until).await;
    }
}

/// After an attempt answered `429` with `retry_after`: pauses the call's bulk run, if any.
pub(crate) fn after_rate_limit(retry_after: Option<Duration>) {
    let _ = GATE.try_with(|gate| gate.rate_limited(retry_after));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_429_halves_the_limit_once_per_pause_and_answers_grow_it_back() {
        let gate = Gate::new(64);
        gate.rate_limited(Some(Duration::from_secs(60)));
        gate.rate_limited(Some(Duration::from_secs(1)));
        assert_eq!(gate.limit(), 32, "one pause, one cut");
        assert!(gate.counts().paused);
        assert!(
            gate.paused_until()
                .is_some_and(|u| u > Instant::now() + Duration::from_secs(30))
        );
        // During the pause, answers do not raise the limit.
        gate.finished::<()>(&OutcomeKind::NotFound(Error::invalid_input("x", "y")));
        assert_eq!(gate.limit(), 32);
        lock(&gate.pause).until = Some(Instant::now());
        for _ in 0..100 {
            gate.finished::<()>(&OutcomeKind::NotFound(Error::invalid_input("x", "y")));
        }
        assert_eq!(gate.limit(), 64, "grows back to the maximum, not past it");
        let counts = gate.counts();
        assert_eq!((counts.rate_limited, counts.not_found), (2, 101));
    }

    #[test]
    fn the_limit_never_falls_below_one() {
        let gate = Gate::new(2);
        for _ in 0..5 {
            gate.rate_limited(Some(Duration::ZERO));
        }
        assert_eq!(gate.limit(), 1);
    }
}
