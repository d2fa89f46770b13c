//! Reconnect storm: N managers (default options, calimero protocol, no contexts) on one
//! shared fake clock, through a server restart.
//!
//! - t = 0: every manager connects; the server accepts each attempt at once (`on_open`
//!   at the time the `OpenSocket` action appears).
//! - Until T = `--uptime-ms` the managers run their timers. Heartbeat probes (a
//!   `subscribe` with the wanted context ids: none here) are answered at once, the way a
//!   Calimero node answers them: `{"id":N,"result":{"contextIds":[..]}}`.
//! - At T every open socket closes with `--close-code`. Until T + `--outage-ms` every
//!   attempt is refused: `on_close(attempt + 1 ms, 1006, "")`.
//! - From T + outage every attempt is accepted at once.
//! - The run ends when every manager has reopened, or at T + 10 min.
//!
//! The simulation knows nothing of the backoff: it only reacts to the machine's actions
//! and ticks each manager at its `poll_timeout()`. Events are kept in one queue ordered by
//! time (ties by insertion order); a manager's stale timer entries are skipped.
//!
//! Then a "lone client blip": one manager, open for the uptime, its socket closes with
//! 1006 and the server is up all along; the time from the close to the reopen, over
//! many seeds.

use calimero_socket::engine::machine::{Action, Machine, Status};
use calimero_socket::engine::options::{Options, Profile};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::process::Command;
use std::time::Instant as WallClock;

const URL: &str = "ws://127.0.0.1:2428/ws";
/// Spreads the base seed over the managers: seed_i = base ^ i * SEED_MIX.
const SEED_MIX: u64 = 0x9E37_79B9_7F4A_7C15;
/// How long after T the run goes on at the most.
const LIMIT_AFTER_T_MS: f64 = 600_000.0;
/// A refused attempt fails this long after it started.
const REFUSE_AFTER_MS: f64 = 1.0;
const BUCKET_MS: f64 = 100.0;
/// A tick that leaves its own deadline due is followed by one this much later (and
/// counted): the machine would otherwise be ticked forever at one instant.
const REFIRE_MS: f64 = 1.0;

#[derive(Clone, Copy, Debug)]
struct Scenario {
    close_code: u16,
    outage_ms: f64,
}

#[derive(Clone, Copy, Debug)]
struct Config {
    managers: usize,
    uptime_ms: f64,
    seed: u64,
}

fn seed_for(base: u64, index: u64) -> u64 {
    base ^ index.wrapping_mul(SEED_MIX)
}

fn options() -> Options {
    let o = Options::defaults(URL, Profile::Default);
    assert_eq!(o.validate(), Ok(()), "default options must be valid");
    o
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// The manager's timer (valid while it still matches the manager's `timer_bits`).
    Tick,
    /// The server refuses attempt number `gen` of the manager.
    Refuse(u32),
}

/// A time in ms (never negative) as an ordered key.
fn key(t: f64) -> u64 {
    debug_assert!(t >= 0.0 && t.is_finite());
    t.to_bits()
}

struct Mgr {
    m: Machine<()>,
    /// The queued tick's time (bits), if any.
    timer_bits: Option<u64>,
    /// Bumped on every new attempt and every socket drop: a refusal of an older attempt
    /// is ignored.
    gen: u32,
    socket_open: bool,
    reopened_at: Option<f64>,
    /// Consecutive ticks at one instant (a machine that would spin).
    spins: u32,
    last_tick: f64,
}

struct Sim {
    mgrs: Vec<Mgr>,
    queue: BinaryHeap<Reverse<(u64, u64, u32, Kind)>>,
    seq: u64,
    t_down: f64,
    t_up: f64,
    close_code: u16,
    down_done: bool,
    /// Connect attempt times at or after T.
    attempts: Vec<f64>,
    attempts_before_t: u64,
    reopened: usize,
    probes_answered: u64,
    /// Sockets the machine dropped itself (`CloseSocket`: heartbeat or connect timeout).
    machine_closes: u64,
    /// Ticks after which the machine's deadline was still due (it did not clear it).
    refires: u64,
    replies: Vec<String>,
}

impl Sim {
    fn new(cfg: Config, sc: Scenario) -> Self {
        let opts = options();
        let mgrs = (0..cfg.managers)
            .map(|i| Mgr {
                m: Machine::new(opts.clone(), seed_for(cfg.seed, i as u64)).expect("machine"),
                timer_bits: None,
                gen: 0,
                socket_open: false,
                reopened_at: None,
                spins: 0,
                last_tick: f64::NAN,
            })
            .collect();
        Sim {
            mgrs,
            queue: BinaryHeap::new(),
            seq: 0,
            t_down: cfg.uptime_ms,
            t_up: cfg.uptime_ms + sc.outage_ms,
            close_code: sc.close_code,
            down_done: false,
            attempts: Vec::new(),
            attempts_before_t: 0,
            reopened: 0,
            probes_answered: 0,
            machine_closes: 0,
            refires: 0,
            replies: Vec::new(),
        }
    }

    fn push(&mut self, t: f64, i: usize, kind: Kind) {
        self.seq += 1;
        self.queue.push(Reverse((key(t), self.seq, i as u32, kind)));
    }

    fn server_up(&self, now: f64) -> bool {
        !self.down_done || now >= self.t_up
    }

    /// Carries out manager `i`'s actions at `now`, as the web layer and the server would,
    /// then queues its next tick.
    fn drain(&mut self, i: usize, now: f64) {
        self.drain_after(i, now, false)
    }

    /// `ticked`: the input was `tick(now)`. If the deadline is still due after it, the
    /// next tick waits [`REFIRE_MS`], as a browser's clock would have moved on by the
    /// time its timer fired again (see `refires`).
    fn drain_after(&mut self, i: usize, now: f64, ticked: bool) {
        loop {
            let mut accept = false;
            while let Some(a) = self.mgrs[i].m.poll_action() {
                match a {
                    Action::OpenSocket(_) => {
                        let mg = &mut self.mgrs[i];
                        mg.gen += 1;
                        mg.socket_open = false;
                        if self.down_done {
                            self.attempts.push(now);
                        } else {
                            self.attempts_before_t += 1;
                        }
                        let gen = mg.gen;
                        if self.server_up(now) {
                            accept = true;
                        } else {
                            self.push(now + REFUSE_AFTER_MS, i, Kind::Refuse(gen));
                        }
                    }
                    Action::CloseSocket(..) => {
                        let mg = &mut self.mgrs[i];
                        mg.gen += 1;
                        mg.socket_open = false;
                        accept = false;
                        self.machine_closes += 1;
                    }
                    Action::Send(text) => {
                        if self.mgrs[i].socket_open {
                            if let Some(reply) = calimero_reply_to(&text) {
                                self.replies.push(reply);
                            }
                        }
                    }
                    _ => {}
                }
            }
            if accept {
                let mg = &mut self.mgrs[i];
                mg.socket_open = true;
                mg.m.on_open(now);
                if self.down_done && mg.reopened_at.is_none() && mg.m.status() == Status::Open {
                    mg.reopened_at = Some(now);
                    self.reopened += 1;
                }
                continue;
            }
            if self.replies.is_empty() {
                break;
            }
            let replies = std::mem::take(&mut self.replies);
            for r in &replies {
                self.probes_answered += 1;
                self.mgrs[i].m.on_frame(now, r, ());
            }
        }
        let next = self.mgrs[i].m.poll_timeout().map(|t| {
            if ticked && t <= now {
                self.refires += 1;
                key(now + REFIRE_MS)
            } else {
                key(t.max(now))
            }
        });
        if next.is_some() && next != self.mgrs[i].timer_bits {
            self.push(f64::from_bits(next.unwrap()), i, Kind::Tick);
        }
        self.mgrs[i].timer_bits = next;
    }

    /// The server goes down at T: every open socket closes with the scenario's code.
    fn server_down(&mut self) {
        self.down_done = true;
        let t = self.t_down;
        for i in 0..self.mgrs.len() {
            if self.mgrs[i].socket_open {
                self.mgrs[i].socket_open = false;
                self.mgrs[i].gen += 1;
                self.mgrs[i].m.on_close(t, self.close_code, "");
                self.drain(i, t);
            }
        }
    }

    fn run(mut self) -> Outcome {
        let wall = WallClock::now();
        for i in 0..self.mgrs.len() {
            self.mgrs[i].m.connect(0.0);
            self.drain(i, 0.0);
        }
        let limit = self.t_down + LIMIT_AFTER_T_MS;
        let mut open_at_t = 0;
        loop {
            if self.down_done && self.reopened == self.mgrs.len() {
                break;
            }
            let next = self.queue.peek().map(|Reverse((k, ..))| f64::from_bits(*k));
            if !self.down_done && next.map_or(true, |t| t >= self.t_down) {
                open_at_t = self.mgrs.iter().filter(|m| m.socket_open && m.m.status() == Status::Open).count();
                self.server_down();
                continue;
            }
            let Some(Reverse((k, _, i, kind))) = self.queue.pop() else { break };
            let now = f64::from_bits(k);
            if now > limit {
                break;
            }
            let i = i as usize;
            match kind {
                Kind::Tick => {
                    if self.mgrs[i].timer_bits != Some(k) {
                        continue; // stale
                    }
                    let mg = &mut self.mgrs[i];
                    mg.timer_bits = None;
                    mg.spins = if mg.last_tick == now { mg.spins + 1 } else { 0 };
                    mg.last_tick = now;
                    assert!(mg.spins < 50, "manager {i}: tick({now}) does not clear its deadline: it would spin");
                    mg.m.tick(now);
                    self.drain_after(i, now, true);
                }
                Kind::Refuse(gen) => {
                    if self.mgrs[i].gen != gen {
                        continue;
                    }
                    self.mgrs[i].gen += 1;
                    self.mgrs[i].m.on_close(now, 1006, "");
                    self.drain(i, now);
                }
            }
        }
        Outcome {
            managers: self.mgrs.len(),
            open_at_t,
            t_down: self.t_down,
            t_up: self.t_up,
            attempts: self.attempts,
            attempts_before_t: self.attempts_before_t,
            reopened_at: self.mgrs.iter().map(|m| m.reopened_at).collect(),
            probes_answered: self.probes_answered,
            machine_closes: self.machine_closes,
            refires: self.refires,
            wall_ms: wall.elapsed().as_secs_f64() * 1000.0,
        }
    }
}

/// The Calimero node's reply to a `subscribe` request (a heartbeat probe, with no
/// contexts), accepting every id it asked for; `None` for any other text.
fn calimero_reply_to(text: &str) -> Option<String> {
    if !text.contains("\"method\":\"subscribe\"") {
        return None;
    }
    let rest = text.strip_prefix("{\"id\":")?;
    let id: u64 = rest[..rest.find(',')?].parse().ok()?;
    let k = "\"contextIds\":[";
    let from = text.find(k)? + k.len();
    let list = &text[from..from + text[from..].find(']')?];
    Some(format!(r#"{{"id":{id},"result":{{"contextIds":[{list}]}}}}"#))
}

struct Outcome {
    managers: usize,
    open_at_t: usize,
    t_down: f64,
    t_up: f64,
    attempts: Vec<f64>,
    attempts_before_t: u64,
    reopened_at: Vec<Option<f64>>,
    probes_answered: u64,
    machine_closes: u64,
    refires: u64,
    wall_ms: f64,
}

/// Nearest-rank percentile of sorted values.
fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

struct Row {
    o: Outcome,
    window_ms: f64,
    buckets: usize,
    peak: usize,
    peak_at_ms: f64,
    mean: f64,
    back: Vec<f64>,
    never: usize,
}

fn summarize(o: Outcome) -> Row {
    let t = o.t_down;
    let mut back: Vec<f64> = o.reopened_at.iter().flatten().map(|r| r - o.t_up).collect();
    back.sort_by(f64::total_cmp);
    let never = o.reopened_at.iter().filter(|r| r.is_none()).count();
    // The spread window: from T to the last reopen (T + 10 min when some never came back).
    let end = if never > 0 { t + LIMIT_AFTER_T_MS } else { o.reopened_at.iter().flatten().fold(t, |a, &b| a.max(b)) };
    let buckets = ((end - t) / BUCKET_MS).floor() as usize + 1;
    let mut counts = vec![0usize; buckets];
    for &a in &o.attempts {
        let b = ((a - t) / BUCKET_MS).floor() as usize;
        if b < buckets {
            counts[b] += 1;
        }
    }
    let (peak_b, &peak) = counts.iter().enumerate().max_by_key(|&(b, &c)| (c, Reverse(b))).unwrap();
    let in_window: usize = counts.iter().sum();
    Row {
        window_ms: end - t,
        buckets,
        peak,
        peak_at_ms: peak_b as f64 * BUCKET_MS,
        mean: in_window as f64 / buckets as f64,
        back,
        never,
        o,
    }
}

fn ms(v: f64) -> String {
    if v.is_nan() {
        "-".into()
    } else if v >= 100.0 || v == v.round() {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn commit() -> String {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let git = |args: &[&str]| Command::new("git").arg("-C").arg(root).args(args).output().ok().filter(|o| o.status.success());
    let Some(head) = git(&["rev-parse", "--short", "HEAD"]) else { return "unknown (no git)".into() };
    let mut id = String::from_utf8_lossy(&head.stdout).trim().to_string();
    // The engine's sources: an uncommitted change there is not the commit measured.
    if let Some(st) = git(&["status", "--porcelain", "--", "src", "Cargo.toml"]) {
        if !st.stdout.is_empty() {
            id.push_str(" (+ uncommitted changes in src/ or Cargo.toml)");
        }
    }
    id
}

struct Blip {
    runs: usize,
    reopen: Vec<f64>,
    attempts: Vec<f64>,
    never: usize,
}

/// One manager per seed: open for the uptime, its socket closes with 1006, the server
/// stays up. The time from the close to the reopen.
fn blip(cfg: Config, runs: usize) -> Blip {
    let sc = Scenario { close_code: 1006, outage_ms: 0.0 };
    let mut reopen = Vec::with_capacity(runs);
    let mut attempts = Vec::with_capacity(runs);
    let mut never = 0;
    for k in 0..runs {
        let one = Config { managers: 1, uptime_ms: cfg.uptime_ms, seed: seed_for(cfg.seed, k as u64) };
        let o = Sim::new(one, sc).run();
        attempts.push(o.attempts.len() as f64);
        match o.reopened_at[0] {
            Some(r) => reopen.push(r - o.t_down),
            None => never += 1,
        }
    }
    reopen.sort_by(f64::total_cmp);
    Blip { runs, reopen, attempts, never }
}

fn usage() -> ! {
    eprintln!(
        "usage: storm [--managers 10000] [--close-code C --outage-ms MS] [--uptime-ms 60000] [--seed 1] [--blip-runs 10000]\n\
         Without --close-code/--outage-ms it runs the scenarios (1012, 2 s), (1012, 30 s), (1006, 2 s), (1001, 0);\n\
         with either, that one scenario (the other defaults to 1012 / 2000 ms)."
    );
    std::process::exit(2)
}

fn main() {
    let mut cfg = Config { managers: 10_000, uptime_ms: 60_000.0, seed: 1 };
    let mut code: Option<u16> = None;
    let mut outage: Option<f64> = None;
    let mut blip_runs = 10_000usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--managers" => cfg.managers = val().parse().unwrap_or_else(|_| usage()),
            "--close-code" => code = Some(val().parse().unwrap_or_else(|_| usage())),
            "--outage-ms" => outage = Some(val().parse().unwrap_or_else(|_| usage())),
            "--uptime-ms" => cfg.uptime_ms = val().parse().unwrap_or_else(|_| usage()),
            "--seed" => cfg.seed = val().parse().unwrap_or_else(|_| usage()),
            "--blip-runs" => blip_runs = val().parse().unwrap_or_else(|_| usage()),
            _ => usage(),
        }
    }
    if cfg.managers == 0 || !(cfg.uptime_ms >= 0.0) || outage.is_some_and(|o| !(o >= 0.0)) {
        usage();
    }
    let scenarios: Vec<Scenario> = if code.is_some() || outage.is_some() {
        vec![Scenario { close_code: code.unwrap_or(1012), outage_ms: outage.unwrap_or(2000.0) }]
    } else {
        [(1012, 2000.0), (1012, 30_000.0), (1006, 2000.0), (1001, 0.0)]
            .iter()
            .map(|&(close_code, outage_ms)| Scenario { close_code, outage_ms })
            .collect()
    };

    println!("## Reconnect storm (bench/storm)");
    println!();
    println!("engine commit: {}", commit());
    println!(
        "{} managers, default options (calimero, no contexts; heartbeat probes answered at once), uptime {} ms, seed {} (manager i: seed ^ i * {:#x})",
        cfg.managers,
        ms(cfg.uptime_ms),
        cfg.seed,
        SEED_MIX
    );
    println!(
        "attempts: connect attempts from T (the close) on; buckets of {} ms over the spread window, T to the last reopen; \
         back: time from the server's return (T + outage) to each manager's reopen",
        BUCKET_MS
    );
    println!();
    println!("| close code | outage (s) | attempts after T | per manager | window (s) | peak /100 ms | peak at (ms after T) | mean /100 ms | peak/mean | back p50 (ms) | p95 | p99 | max | never back |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut notes = Vec::new();
    for sc in scenarios {
        let row = summarize(Sim::new(cfg, sc).run());
        let o = &row.o;
        println!(
            "| {} | {} | {} | {:.2} | {:.1} | {} | {} | {:.1} | {:.1} | {} | {} | {} | {} | {} |",
            sc.close_code,
            ms(sc.outage_ms / 1000.0),
            o.attempts.len(),
            o.attempts.len() as f64 / o.managers as f64,
            row.window_ms / 1000.0,
            row.peak,
            ms(row.peak_at_ms),
            row.mean,
            row.peak as f64 / row.mean,
            ms(pct(&row.back, 50.0)),
            ms(pct(&row.back, 95.0)),
            ms(pct(&row.back, 99.0)),
            ms(pct(&row.back, 100.0)),
            row.never,
        );
        notes.push(format!(
            "- {} / {} s: open at T {}/{}; {} buckets; attempts before T {}; probes answered {}; sockets the machines dropped themselves {}; ticks that left their deadline due (re-ticked 1 ms later) {}; simulated in {:.0} ms",
            sc.close_code,
            ms(sc.outage_ms / 1000.0),
            o.open_at_t,
            o.managers,
            row.buckets,
            o.attempts_before_t,
            o.probes_answered,
            o.machine_closes,
            o.refires,
            o.wall_ms
        ));
    }
    println!();
    for n in notes {
        println!("{n}");
    }

    if blip_runs > 0 {
        let wall = WallClock::now();
        let b = blip(cfg, blip_runs);
        let mean_attempts = b.attempts.iter().sum::<f64>() / b.runs as f64;
        println!();
        println!("### Lone client blip (one manager, 1006 after {} ms up, server up all along)", ms(cfg.uptime_ms));
        println!();
        println!("| runs (seeds) | reopen p50 (ms after the close) | p99 | max | attempts per run | never back |");
        println!("|---|---|---|---|---|---|");
        println!(
            "| {} | {} | {} | {} | {:.2} | {} |",
            b.runs,
            ms(pct(&b.reopen, 50.0)),
            ms(pct(&b.reopen, 99.0)),
            ms(pct(&b.reopen, 100.0)),
            mean_attempts,
            b.never
        );
        println!();
        println!("- simulated in {:.0} ms", wall.elapsed().as_secs_f64() * 1000.0);
    }
}
