//! The stand-in's memory: rooms, the call log, injected faults, held requests, rate-limit
//! windows, presence, the mails sent to the Brevo side, and the seeded random stream that ids
//! and fault rolls come from.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use rand::distr::Alphanumeric;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::sync::{mpsc, oneshot};

use crate::brevo::BrevoFault;
use crate::downloads::{DownloadFault, DownloadRecord};
use crate::mail::Mail;
use crate::meetings::Meeting;
use crate::recordings::{Recording, RecordingInProgress};
use crate::webhooks::{Batch, Event, EventFaults, Webhook};

pub type Shared = Arc<Mutex<Standin>>;

/// The real clock, in unix seconds.
pub fn unix_now() -> i64 {
    Utc::now().timestamp()
}

/// The real clock, in unix milliseconds.
pub fn unix_now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// The largest seed: seeds travel through JSON and JavaScript numbers, which hold integers
/// exactly up to 2^53 - 1.
pub const MAX_SEED: u64 = (1 << 53) - 1;

/// Reads a seed (a decimal integer from 0 to [`MAX_SEED`]).
pub fn parse_seed(text: &str) -> Result<u64, String> {
    text.trim()
        .parse::<u64>()
        .ok()
        .filter(|seed| *seed <= MAX_SEED)
        .ok_or_else(|| format!("a seed is an integer from 0 to {MAX_SEED}, not {text:?}"))
}

/// A seed for a run that was given none.
pub fn random_seed() -> u64 {
    rand::random_range(0..=MAX_SEED)
}

#[derive(Debug, Clone)]
pub struct RoomRecord {
    pub id: String,
    pub name: String,
    pub privacy: String,
    pub created_at: String,
    pub config: Map<String, Value>,
}

impl RoomRecord {
    pub fn exp(&self) -> Option<i64> {
        self.config.get("exp").and_then(Value::as_i64)
    }

    pub fn expired(&self, now: i64) -> bool {
        self.exp().is_some_and(|exp| now >= exp)
    }

    pub fn to_json(&self, origin: &str) -> Value {
        serde_json::json!({
            "id": self.id,
            "name": self.name,
            "api_created": true,
            "privacy": self.privacy,
            "url": format!("{origin}/{}", self.name),
            "created_at": self.created_at,
            "config": self.config,
        })
    }
}

/// One request to the API, as tests see it. The API key itself is never recorded.
#[derive(Debug, Clone, Serialize)]
pub struct CallRecord {
    pub seq: u64,
    pub at_ms: i64,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// `ok`, `missing` or `invalid`: what the Authorization header was.
    pub auth: &'static str,
    pub content_type: Option<String>,
    pub body: Value,
    /// The status answered; `null` while the answer is pending (held, hanging or slow).
    pub status: Option<u16>,
    /// The fault that shaped the answer, if any.
    pub fault: Option<String>,
}

/// A fault to inject on matching requests.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultRule {
    /// HTTP method to match (any if absent).
    pub method: Option<String>,
    /// Path prefix after `/v1` to match, e.g. `/rooms` (any if absent).
    pub path: Option<String>,
    /// Answer with this status (and `body`, or a Daily error body that fits the status).
    pub status: Option<u16>,
    pub body: Option<String>,
    /// Wait, once recorded in the call log, until `POST /__control/release` (or a reset), then
    /// go on with the rest of the rule, or with the normal handling.
    #[serde(default)]
    pub hold: bool,
    /// Wait this long before answering (or before the normal handling).
    pub latency_ms: Option<u64>,
    /// Never answer (until the client gives up).
    #[serde(default)]
    pub hang: bool,
    /// Answer 200 with a truncated JSON body.
    #[serde(default)]
    pub malformed: bool,
    /// Answer 302 to this location.
    pub redirect: Option<String>,
    /// How many matching requests this rule affects (forever if absent).
    pub times: Option<u32>,
    /// Chance (0..=1) that a matching request is affected (always if absent).
    pub probability: Option<f64>,
}

impl FaultRule {
    fn matches(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self.path.as_deref().is_none_or(|p| path.starts_with(p))
    }

    pub fn describe(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Daily's documented limits: most endpoints 20 req/s or 100 per 5 s; `DELETE /rooms/:name`
/// and `GET /recordings` about 2 req/s or 50 per 30 s. Brevo's `POST /v3/smtp/email` allows
/// 1,000 a second; the stand-in's own limit on it, [`BREVO_LIMIT`], is lower, to be reachable.
#[derive(Debug, Default)]
pub struct RateLimits {
    general: VecDeque<Instant>,
    slow: VecDeque<Instant>,
    brevo: VecDeque<Instant>,
}

/// How many mails the Brevo side takes a second while rate limits are on: enough for any test
/// that is not about the limit.
pub const BREVO_LIMIT: usize = 10;

/// Where a request to the Brevo side stands against its limit, as the `x-sib-ratelimit-*`
/// headers say it: whether it is admitted, how many more the window takes, and in how many
/// seconds it starts again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub admitted: bool,
    pub remaining: usize,
    pub reset_seconds: u64,
}

fn within(window: &mut VecDeque<Instant>, now: Instant, limits: &[(Duration, usize)]) -> bool {
    let longest = limits.iter().map(|(d, _)| *d).max().unwrap_or_default();
    while window
        .front()
        .is_some_and(|t| now.duration_since(*t) >= longest)
    {
        window.pop_front();
    }
    let ok = limits.iter().all(|(span, max)| {
        window
            .iter()
            .filter(|t| now.duration_since(**t) < *span)
            .count()
            < *max
    });
    if ok {
        window.push_back(now);
    }
    ok
}

impl RateLimits {
    /// Counts a request; `false` when it is over the limit (and must get a 429).
    pub fn admit(&mut self, slow: bool) -> bool {
        let now = Instant::now();
        if slow {
            within(
                &mut self.slow,
                now,
                &[(Duration::from_secs(1), 2), (Duration::from_secs(30), 50)],
            )
        } else {
            within(
                &mut self.general,
                now,
                &[(Duration::from_secs(1), 20), (Duration::from_secs(5), 100)],
            )
        }
    }

    /// Counts a mail sent to the Brevo side against [`BREVO_LIMIT`] a second.
    pub fn admit_brevo(&mut self) -> Quota {
        let now = Instant::now();
        let admitted = within(
            &mut self.brevo,
            now,
            &[(Duration::from_secs(1), BREVO_LIMIT)],
        );
        Quota {
            admitted,
            remaining: BREVO_LIMIT.saturating_sub(self.brevo.len()),
            reset_seconds: 1,
        }
    }
}

/// Someone whose room page is open.
#[derive(Debug, Clone, Serialize)]
pub struct Presence {
    pub user_name: Option<String>,
    pub user_id: Option<String>,
    pub owner: bool,
    #[serde(skip)]
    pub last_seen: Instant,
    /// The participant session this page is in the meeting as.
    #[serde(skip)]
    pub session_id: String,
}

pub struct Standin {
    pub api_key: String,
    pub domain_name: String,
    pub domain_id: String,
    /// Where room URLs point (this server, unless `--room-origin` says otherwise).
    pub origin: String,
    /// Seconds added to the real clock, to let time pass at "Daily" in tests.
    pub clock_offset: i64,
    pub rooms: BTreeMap<String, RoomRecord>,
    pub calls: Vec<CallRecord>,
    pub faults: Vec<FaultRule>,
    pub rate_limits: RateLimits,
    pub rate_limit_enabled: bool,
    pub presence: HashMap<String, Vec<Presence>>,
    /// This server's own origin (download links point here even when rooms point elsewhere).
    pub api_origin: String,
    /// The domain's webhook (Daily allows one).
    pub webhooks: Vec<Webhook>,
    pub event_faults: EventFaults,
    /// Events kept back by a `hold` event fault, in the order produced.
    pub held_events: Vec<Event>,
    /// The delivery lane, once started.
    pub outbox: Option<mpsc::UnboundedSender<Batch>>,
    /// Every meeting, in the order started.
    pub meetings: Vec<Meeting>,
    /// Every recording, in the order made.
    pub recordings: Vec<Recording>,
    /// Recordings started from a room page and not stopped yet, by room.
    pub recording_in_progress: HashMap<String, RecordingInProgress>,
    /// Signs download links; drawn once per process, outside the seeded stream.
    pub link_key: [u8; 32],
    /// What the next download links do instead of their normal answer.
    pub download_fault: DownloadFault,
    /// Every download through a link, in the order started.
    pub downloads: Vec<DownloadRecord>,
    /// The key the Brevo side takes in `api-key`.
    pub brevo_api_key: String,
    /// What the Brevo side does instead of its normal answer.
    pub brevo_fault: BrevoFault,
    /// Every mail the Brevo side took, oldest first.
    pub mails: Vec<Mail>,
    seq: u64,
    /// The seed the stand-in started with; a reset goes back to it.
    start_seed: u64,
    /// The seed of the current random stream.
    seed: u64,
    rng: StdRng,
    /// One sender per held request, waiting for a release.
    held: Vec<oneshot::Sender<()>>,
}

impl Presence {
    /// Who this is: the token's user id, else its user name.
    pub fn key(&self) -> String {
        presence_key(self.user_id.as_deref(), self.user_name.as_deref())
    }
}

/// The identity a room page is present under (shared with the token's claims).
pub fn presence_key(user_id: Option<&str>, user_name: Option<&str>) -> String {
    user_id.or(user_name).unwrap_or("anonymous").to_owned()
}

/// The Brevo key of a stand-in started without `--brevo-api-key`.
pub const DEFAULT_BREVO_API_KEY: &str = "dev-brevo-key";

/// How long a room page counts as present after its last heartbeat.
pub const PRESENCE_TTL: Duration = Duration::from_secs(15);

impl Standin {
    pub fn new(api_key: String, domain_name: String, origin: String, seed: u64) -> Self {
        let mut s = Self {
            api_key,
            domain_name,
            domain_id: String::new(),
            origin: origin.clone(),
            clock_offset: 0,
            rooms: BTreeMap::new(),
            calls: Vec::new(),
            faults: Vec::new(),
            rate_limits: RateLimits::default(),
            rate_limit_enabled: true,
            presence: HashMap::new(),
            api_origin: origin,
            webhooks: Vec::new(),
            event_faults: EventFaults::default(),
            held_events: Vec::new(),
            outbox: None,
            meetings: Vec::new(),
            recordings: Vec::new(),
            recording_in_progress: HashMap::new(),
            link_key: rand::random(),
            download_fault: DownloadFault::default(),
            downloads: Vec::new(),
            brevo_api_key: DEFAULT_BREVO_API_KEY.into(),
            brevo_fault: BrevoFault::default(),
            mails: Vec::new(),
            seq: 0,
            start_seed: seed,
            seed,
            rng: StdRng::seed_from_u64(seed),
            held: Vec::new(),
        };
        s.reseed(seed);
        s
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Restarts the random stream (ids, room names, fault rolls) from `seed`. Its first value
    /// is the domain id of a stand-in started with `seed`: a new stand-in takes it, a running
    /// one keeps its own (clients cache it) and skips it, so that what follows is what a
    /// stand-in started with `seed` would draw.
    pub fn reseed(&mut self, seed: u64) {
        self.seed = seed;
        self.rng = StdRng::seed_from_u64(seed);
        let domain_id = self.uuid();
        if self.domain_id.is_empty() {
            self.domain_id = domain_id;
        }
    }

    pub fn uuid(&mut self) -> String {
        uuid::Builder::from_random_bytes(self.rng.random())
            .into_uuid()
            .hyphenated()
            .to_string()
    }

    /// 32 bytes of the seeded stream (a generated webhook secret).
    pub fn random_bytes(&mut self) -> [u8; 32] {
        self.rng.random()
    }

    /// A roll of the seeded stream in [0, 1), for `probability` faults: a probability of 1
    /// (or more) always applies, 0 never.
    pub fn roll(&mut self) -> f64 {
        self.rng.random()
    }

    /// `len` decimal digits of the seeded stream.
    pub fn random_digits(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from(b'0' + self.rng.random_range(0..10u8)))
            .collect()
    }

    /// A room name as Daily makes them when none is given: 20 letters and digits.
    pub fn random_name(&mut self) -> String {
        (&mut self.rng)
            .sample_iter(Alphanumeric)
            .take(20)
            .map(char::from)
            .collect()
    }

    /// Logs a call; the answer is its `seq`, by which its status is set later.
    pub fn record_call(&mut self, mut call: CallRecord) -> u64 {
        self.seq += 1;
        call.seq = self.seq;
        self.calls.push(call);
        self.seq
    }

    /// Sets the status a call was answered with, if the log still has it (it may have been
    /// cleared while the call was pending).
    pub fn record_status(&mut self, seq: u64, status: u16) {
        if let Some(call) = self.calls.iter_mut().rev().find(|c| c.seq == seq) {
            call.status = Some(status);
        }
    }

    /// The first fault that applies to this request, consuming one of its `times`. Rules are
    /// tried in order; a rule with a `probability` applies only when its roll says so.
    pub fn take_fault(&mut self, method: &str, path: &str) -> Option<FaultRule> {
        for index in 0..self.faults.len() {
            if !self.faults[index].matches(method, path) {
                continue;
            }
            if let Some(p) = self.faults[index].probability {
                if self.roll() >= p {
                    continue;
                }
            }
            let rule = self.faults[index].clone();
            if let Some(times) = &mut self.faults[index].times {
                *times = times.saturating_sub(1);
                if *times == 0 {
                    self.faults.remove(index);
                }
            }
            return Some(rule);
        }
        None
    }

    /// A live room (not expired).
    pub fn live_room(&self, name: &str, now: i64) -> Option<&RoomRecord> {
        self.rooms.get(name).filter(|r| !r.expired(now))
    }

    /// Who is in a room now, after those whose page stopped beating have left it.
    pub fn present(&mut self, room: &str) -> Vec<Presence> {
        self.expire_presence();
        self.presence.get(room).cloned().unwrap_or_default()
    }

    /// Takes out every page that has not beaten within [`PRESENCE_TTL`]: each leaves its
    /// meeting (with the events that go with it).
    pub fn expire_presence(&mut self) {
        let mut gone = Vec::new();
        for (room, list) in self.presence.iter_mut() {
            list.retain(|p| {
                let live = p.last_seen.elapsed() < PRESENCE_TTL;
                if !live {
                    gone.push((room.clone(), p.session_id.clone()));
                }
                live
            });
        }
        let now = self.now();
        for (room, session_id) in gone {
            if let Ok(events) = crate::meetings::leave(self, &room, &session_id, now) {
                self.emit(events);
            }
        }
    }

    /// The stand-in's notion of now, in unix seconds: the real clock moved by the offset.
    pub fn now(&self) -> i64 {
        unix_now().saturating_add(self.clock_offset)
    }

    /// The stand-in's notion of now, in unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        unix_now_ms().saturating_add(self.clock_offset.saturating_mul(1000))
    }

    /// Registers a request that a `hold` fault stops: it waits until the receiver answers,
    /// at the next [`Standin::release`].
    pub fn hold(&mut self) -> oneshot::Receiver<()> {
        let (release, released) = oneshot::channel();
        self.held.push(release);
        released
    }

    /// Lets every held request go on; the answer is how many were still waiting (a request
    /// whose client gave up is not).
    pub fn release(&mut self) -> usize {
        self.held
            .drain(..)
            .filter_map(|release| release.send(()).ok())
            .count()
    }

    /// Back to the state the stand-in started in: no rooms, calls, faults, presence, webhooks,
    /// event faults, held events, meetings, recordings, download faults, downloads, mails or
    /// Brevo fault, the real clock, rate limits on, held requests released, and the random
    /// stream restarted from the seed it started with (so a run after a reset is
    /// reproducible).
    pub fn reset(&mut self) {
        self.release();
        self.reseed(self.start_seed);
        self.clock_offset = 0;
        self.rooms.clear();
        self.calls.clear();
        self.faults.clear();
        self.presence.clear();
        self.webhooks.clear();
        self.event_faults = EventFaults::default();
        self.held_events.clear();
        self.meetings.clear();
        self.recordings.clear();
        self.recording_in_progress.clear();
        self.download_fault = DownloadFault::default();
        self.downloads.clear();
        self.mails.clear();
        self.brevo_fault = BrevoFault::default();
        self.rate_limits = RateLimits::default();
        self.rate_limit_enabled = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standin(seed: u64) -> Standin {
        Standin::new("key".into(), "domain".into(), "http://o".into(), seed)
    }

    /// What a run draws from the random stream: ids, names, and whether a 50 % fault applied
    /// to each of 64 requests.
    fn draws(s: &mut Standin) -> (Vec<String>, Vec<bool>) {
        s.faults = vec![FaultRule {
            status: Some(503),
            probability: Some(0.5),
            ..FaultRule::default()
        }];
        let ids = vec![s.uuid(), s.random_name(), s.uuid()];
        let faulted = (0..64)
            .map(|_| s.take_fault("POST", "/rooms").is_some())
            .collect();
        (ids, faulted)
    }

    #[test]
    fn the_same_seed_draws_the_same_ids_and_fault_decisions() {
        let (mut a, mut b) = (standin(12345), standin(12345));
        assert_eq!(a.domain_id, b.domain_id);
        let run = draws(&mut a);
        assert_eq!(run, draws(&mut b));
        let (_, faulted) = &run;
        assert!(faulted.contains(&true) && faulted.contains(&false));
        let mut other = standin(12346);
        assert_ne!(other.domain_id, a.domain_id);
        assert_ne!(draws(&mut other), run);
    }

    #[test]
    fn reseeding_replays_a_standin_started_with_that_seed() {
        let run = draws(&mut standin(7));
        let mut s = standin(99);
        let domain_id = s.domain_id.clone();
        draws(&mut s);
        s.reseed(7);
        assert_eq!(s.seed(), 7);
        assert_eq!(draws(&mut s), run);
        assert_eq!(s.domain_id, domain_id, "the domain keeps its id");

        // A reset goes back to the seed the stand-in started with.
        s.reset();
        assert_eq!(s.seed(), 99);
        assert_eq!(draws(&mut s), draws(&mut standin(99)));
    }

    #[test]
    fn seeds_are_exact_javascript_integers() {
        assert_eq!(parse_seed("12345"), Ok(12345));
        assert_eq!(parse_seed("9007199254740991"), Ok(MAX_SEED));
        assert!(parse_seed("9007199254740992").is_err());
        assert!(parse_seed("-1").is_err());
        assert!(parse_seed("seed").is_err());
        assert!((0..100).all(|_| random_seed() <= MAX_SEED));
    }

    #[test]
    fn a_release_lets_every_held_request_go() {
        let mut s = standin(1);
        let mut first = s.hold();
        let mut second = s.hold();
        let gave_up = s.hold();
        drop(gave_up);
        assert!(first.try_recv().is_err(), "held until released");
        assert_eq!(
            s.release(),
            2,
            "the one whose client gave up is not counted"
        );
        assert_eq!(first.try_recv(), Ok(()));
        assert_eq!(second.try_recv(), Ok(()));
        assert_eq!(s.release(), 0);

        let mut third = s.hold();
        s.reset();
        assert_eq!(third.try_recv(), Ok(()), "a reset releases too");
    }
}
