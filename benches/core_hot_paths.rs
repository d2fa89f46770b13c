//! Native benchmarks of the core's hot functions: frame reading, batch folding and
//! latency samples. Each prints nanoseconds per operation and the ratio to a baseline
//! measured in the same process (a plain pass over the same bytes), because absolute
//! times on a shared machine mean little. Run: `cargo bench --bench core_hot_paths`.

use calimero_socket::engine::delivery::batcher::{BatchConfig, Batcher, FrameFold};
use calimero_socket::engine::observability::latency::Window;
use calimero_socket::engine::machine::Machine;
use calimero_socket::engine::options::{Options, Profile};
use calimero_socket::engine::protocols::calimero::{decode, encode_base58};
use std::hint::black_box;
use std::time::Instant;

/// Median ns per op over `runs` runs of `iters` calls of `f`.
fn measure(runs: usize, iters: usize, mut f: impl FnMut(usize)) -> f64 {
    let mut per = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        for i in 0..iters {
            f(i);
        }
        per.push(t.elapsed().as_nanos() as f64 / iters as f64);
    }
    per.sort_by(|a, b| a.total_cmp(b));
    per[runs / 2]
}

fn frame(ctx: &str, kinds: [&str; 3]) -> String {
    let payload: Vec<String> =
        r#"{"id":"4f2a","channel":"general","sender":"alice","text":"hello there, how is it going today?","ts":1763900000}"#
            .bytes()
            .map(|b| b.to_string())
            .collect();
    let events: Vec<String> =
        kinds.iter().map(|k| format!(r#"{{"kind":"{k}","data":[{}],"handler":null}}"#, payload.join(","))).collect();
    format!(
        r#"{{"id":null,"result":{{"contextId":"{ctx}","type":"StateMutation","data":{{"newRoot":"{}","events":[{}]}}}}}}"#,
        encode_base58(&[7; 32]),
        events.join(",")
    )
}

fn report(name: &str, ns: f64, base: f64) {
    println!("{name:<44} {ns:>10.1} ns/op   {:>6.2}x baseline", ns / base);
}

fn main() {
    let ctxs: Vec<String> = (0..10u8).map(|i| encode_base58(&[i + 1; 32])).collect();
    let kinds = ["MessageSent", "ChannelCreated", "DMCreated", "ReactionUpdated"];
    let frames: Vec<String> = (0..100).map(|i| frame(&ctxs[i % 10], [kinds[i % 4], kinds[(i + 1) % 4], "MessageSent"])).collect();
    println!("frame size: {} bytes; {} frames, 10 contexts", frames[0].len(), frames.len());

    // Baseline: one pass over the frame's bytes (what any reader must at least touch).
    let base = measure(9, 20_000, |i| {
        let f = &frames[i % frames.len()];
        black_box(f.bytes().fold(0u32, |a, b| a.wrapping_add(b as u32)));
    });
    report("baseline: sum the frame's bytes", base, base);

    let read = measure(9, 20_000, |i| {
        black_box(decode(black_box(&frames[i % frames.len()])).unwrap());
    });
    report("frame read (validating Calimero decode)", read, base);

    let normalize = measure(9, 5_000, |i| {
        black_box(calimero_socket::engine::protocols::calimero::normalize(&frames[i % frames.len()]).unwrap());
    });
    report("delivery decode (byte arrays to JSON text)", normalize, base);

    let mut batcher: Batcher<u32> = Batcher::new(BatchConfig::default());
    let ids: [u16; 3] = [1, 2, 3];
    let fold = measure(9, 200_000, |i| {
        batcher.push(0.0, FrameFold { scope: &ctxs[i % 10], kinds: &ids, mask: 0b101, critical: false }, i as u32);
        if let Some(b) = batcher.poll(0.0) {
            black_box(b);
            batcher.settled();
        }
    });
    report("batch fold (10 contexts, 3 kinds)", fold, base);

    let mut m: Machine<u32> = Machine::new(Options::defaults("ws://127.0.0.1:1/ws", Profile::Default), 1).unwrap();
    let kind_ids: Vec<u16> = kinds.iter().map(|k| m.intern_kind(k)).collect();
    m.connect(0.0);
    m.on_open(0.0);
    while m.poll_action().is_some() {}
    let mut now = 1.0;
    let scanned = measure(9, 200_000, |i| {
        now += 0.001;
        m.on_scanned_frame(now, &ctxs[i % 10], &kind_ids[..3], 1400, i as u32);
        while let Some(a) = m.poll_action() {
            if matches!(a, calimero_socket::engine::machine::Action::Batch(_)) {
                m.batch_settled(now);
            }
        }
    });
    report("machine: pre-read frame in, batch out", scanned, base);

    let mut w = Window::new(1000);
    let push = measure(9, 1_000_000, |i| w.push((i % 997) as f64));
    report("latency sample insert", push, base);
    let summary = measure(9, 200, |_| {
        black_box(w.summary());
    });
    report("latency summary (percentiles of 1000)", summary, base);
}
