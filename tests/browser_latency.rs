//! Browser tests of latency, round trips, alerts, health and metrics against the
//! local server (stamped json frames, Calimero round trips).
#![cfg(target_arch = "wasm32")]

mod browser_support;

use browser_support::*;
use calimero_socket::SocketManager;
use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn json_manager(s: &str, extra: &str) -> SocketManager {
    let url = ws_url("json", s);
    let sep = if extra.is_empty() { "" } else { "," };
    SocketManager::new(options(&format!(r#"{{"url":"{url}","protocol":"json"{sep}{extra}}}"#))).unwrap()
}

fn stamped(n: usize, delay_ms: i64, unit: &str) -> String {
    let kinds = ["MessageSent", "ChannelCreated", "DMCreated"];
    let items: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"contextId":"room","kinds":["{}"],"delayMs":{delay_ms},"unit":"{unit}"}}"#, kinds[i % 3]))
        .collect();
    format!("[{}]", items.join(","))
}

#[wasm_bindgen_test]
async fn stamped_frames_are_measured_and_the_stamp_is_stripped() {
    let s = session("stamped");
    let m = json_manager(&s, "");
    let batches = Recorder::new();
    let _ = m.on_batch(batches.function());
    m.connect();
    assert!(wait_status(&m, "open", 5000.0).await);
    burst(&s, "json", &stamped(12, 40, "ms")).await;
    assert!(wait_until(3000.0, || batches.all().iter().map(|b| num(b, "size")).sum::<f64>() >= 12.0).await);
    let st = m.stats();
    let lat = get(&st, "latencyRaw");
    assert_eq!(num(&lat, "count"), 12.0);
    assert!(num(&lat, "p50") >= 40.0 && num(&lat, "p50") < 400.0, "{}", stringify(&lat));
    assert!(num(&lat, "min") <= num(&lat, "p50") && num(&lat, "p50") <= num(&lat, "p95") && num(&lat, "p95") <= num(&lat, "max"));
    let hist = get(&st, "latencyHistogram");
    let counts: f64 = Array::from(&get(&hist, "counts")).iter().map(|c| c.as_f64().unwrap()).sum();
    assert_eq!(counts, 12.0, "the histogram holds every sample of the window");
    assert_eq!(Array::from(&get(&hist, "counts")).length(), Array::from(&get(&hist, "boundsMs")).length() + 1);
    let by_kind = get(&st, "latencyByKind");
    assert_eq!(num(&get(&by_kind, "ChannelCreated"), "count"), 4.0, "per-kind windows");
    let latest = get(&get(&batches.all()[0], "latest"), "room");
    let keys: Vec<String> = Object::keys(&latest.clone().into()).iter().map(|k| k.as_string().unwrap()).collect();
    assert!(!keys.contains(&"_server_timestamp".to_string()), "the stamp must be removed from app data: {keys:?}");
    assert!(keys.contains(&"seq".to_string()) && keys.contains(&"data".to_string()));
    m.close();
}

#[wasm_bindgen_test]
async fn timestamp_units_are_told_apart() {
    let s = session("units");
    let m = json_manager(&s, "");
    m.connect();
    assert!(wait_status(&m, "open", 5000.0).await);
    for unit in ["s", "ms", "us"] {
        burst(&s, "json", &stamped(3, 20, unit)).await;
    }
    assert!(wait_until(3000.0, || num(&get(&m.stats(), "latencyRaw"), "count") >= 9.0).await);
    let lat = get(&m.stats(), "latencyRaw");
    // Seconds carry 3 decimals: within a few ms of the truth in every unit.
    assert!(num(&lat, "min") >= 15.0 && num(&lat, "max") < 500.0, "{}", stringify(&lat));
    m.close();
}

#[wasm_bindgen_test]
async fn pongs_give_round_trips_and_a_clock_offset() {
    let s = session("offset");
    let m = json_manager(&s, r#""heartbeatIntervalMs":100"#);
    m.connect();
    assert!(wait_status(&m, "open", 5000.0).await);
    assert!(wait_until(3000.0, || num(&get(&m.stats(), "rtt"), "count") >= 3.0).await, "no pong round trips");
    let st = m.stats();
    let offset = num(&st, "clockOffsetMs");
    // Server and page share this machine's clock: the estimate must be near zero.
    assert!(offset.abs() < 50.0, "offset {offset}");
    // The test server stamps pongs in whole milliseconds: never a zero uncertainty.
    assert!(num(&st, "clockOffsetUncertaintyMs") >= 1.0, "{}", stringify(&st));
    m.close();
}

#[wasm_bindgen_test]
async fn the_first_probe_gives_a_round_trip_and_an_offset_soon_after_open() {
    let s = session("first-probe");
    // The default 15 s heartbeat: the first probe still goes out a second after open.
    let m = json_manager(&s, "");
    m.connect();
    assert!(wait_status(&m, "open", 5000.0).await);
    let opened = js_sys::Date::now();
    assert!(wait_until(4000.0, || get(&m.stats(), "clockOffsetMs").as_f64().is_some()).await, "no clock offset within 4 s of open");
    let waited = js_sys::Date::now() - opened;
    assert!(waited >= 900.0, "the probe went out before its second: {waited} ms");
    let st = m.stats();
    assert_eq!(num(&get(&st, "rtt"), "count"), 1.0, "one probe so far");
    assert!(num(&st, "clockOffsetUncertaintyMs") > 0.0);
    m.close();
}

#[wasm_bindgen_test]
async fn round_trips_and_arrivals_are_finer_than_a_millisecond() {
    let s = session("sub-ms");
    let m = json_manager(&s, r#""heartbeatIntervalMs":50"#);
    m.connect();
    assert!(wait_status(&m, "open", 5000.0).await);
    // Distinct round trips seen; on a whole-millisecond clock every one is an integer.
    let seen = std::cell::RefCell::new(Vec::<f64>::new());
    let fine = wait_until(5000.0, || {
        if let Some(r) = get(&m.stats(), "lastRttMs").as_f64() {
            let mut v = seen.borrow_mut();
            if !v.contains(&r) {
                v.push(r);
            }
            assert!(r >= 0.0 && r.is_finite(), "{r}");
        }
        seen.borrow().iter().any(|r| r.fract() != 0.0)
    })
    .await;
    assert!(fine, "every round trip in whole milliseconds: {:?}", seen.borrow());
    // Arrival times too: ms stamps, so a fractional latency comes from the arrival.
    burst(&s, "json", &stamped(6, 5, "ms")).await;
    assert!(wait_until(3000.0, || num(&get(&m.stats(), "latencyRaw"), "count") >= 6.0).await);
    let lat = get(&m.stats(), "latencyRaw");
    let parts = [num(&lat, "min"), num(&lat, "max"), num(&lat, "mean"), num(&lat, "p50")];
    assert!(parts.iter().any(|v| v.fract() != 0.0), "{}", stringify(&lat));
    m.close();
}

#[wasm_bindgen_test]
async fn stats_hold_no_negative_or_non_finite_latency() {
    let s = session("clean-stats");
    let m = json_manager(&s, r#""heartbeatIntervalMs":100"#);
    m.connect();
    assert!(wait_status(&m, "open", 5000.0).await);
    assert!(wait_until(3000.0, || get(&m.stats(), "clockOffsetMs").as_f64().is_some()).await);
    // Frames stamped "from the future" (a negative delay): clamped and counted.
    burst(&s, "json", &stamped(5, -50, "ms")).await;
    burst(&s, "json", &stamped(5, 3, "ms")).await;
    assert!(wait_until(3000.0, || num(&get(&m.stats(), "latency"), "count") >= 10.0).await);
    let st = m.stats();
    assert!(num(&st, "latencyClamped") >= 5.0, "{}", stringify(&st));
    assert!(num(&st, "latencyRawClamped") >= 5.0);
    // The offset may be negative (the server clock behind); no other field may.
    let _ = js_sys::Reflect::delete_property(&st.clone().into(), &"clockOffsetMs".into());
    let text = stringify(&st);
    // Every field is known by now (round trip, offset): no null, no negative number.
    for bad in [":-", ",-", "[-", "null", "NaN", "Infinity"] {
        assert!(!text.contains(bad), "{bad} in {text}");
    }
    m.close();
}

#[wasm_bindgen_test]
async fn a_delayed_burst_raises_one_critical_alert_and_one_recovery() {
    let s = session("alert");
    let m = json_manager(&s, r#""latencyWarnMs":50,"latencyCriticalMs":100"#);
    let alerts = Recorder::new();
    let _ = m.on_degraded(alerts.function());
    m.connect();
    assert!(wait_status(&m, "open", 5000.0).await);
    burst(&s, "json", &stamped(40, 300, "ms")).await;
    assert!(wait_until(3000.0, || alerts.len() >= 1).await, "no alert for 300 ms latency");
    sleep(1100).await; // an alert lasts at least a second
    burst(&s, "json", &stamped(20, 0, "ms")).await;
    assert!(wait_until(3000.0, || alerts.len() >= 2).await, "no recovery notice");
    sleep(200).await;
    let sev: Vec<String> = alerts.all().iter().map(|a| get(a, "severity").as_string().unwrap()).collect();
    assert_eq!(sev, ["critical", "recovered"], "a bad burst is one alert and one recovery");
    let first = &alerts.all()[0];
    // The frames were stamped 300 ms in the past by the server's Date.now(); the manager's
    // clock is performance.timeOrigin + now(), which browsers round (Firefox by up to a
    // few ms), so the two clocks may differ by that much.
    assert!(num(first, "latencyMs") >= 290.0, "latency {}", num(first, "latencyMs"));
    assert_eq!(get(first, "kind").as_string().unwrap(), "MessageSent");
    assert_eq!(num(&m.stats(), "alertsRaised"), 1.0);
    m.close();
}

#[wasm_bindgen_test]
async fn calimero_round_trips_health_and_quality() {
    let s = session("rtt");
    let c = ctx(41);
    let m = manager(&s, &format!(r#""contextIds":["{c}"],"heartbeatIntervalMs":100"#));
    let health = Recorder::new();
    let _ = m.on_health(health.function());
    m.connect();
    assert!(wait_status(&m, "open", 5000.0).await);
    assert!(wait_until(3000.0, || num(&get(&m.stats(), "rtt"), "count") >= 4.0).await, "no round-trip samples");
    let st = m.stats();
    assert!(num(&get(&st, "rtt"), "p50") < 100.0);
    assert!(get(&st, "lastRttMs").as_f64().is_some());
    assert!(get(&st, "clockOffsetMs").is_null(), "Calimero replies carry no server time");
    assert!(wait_until(3000.0, || get(&m.stats(), "health").as_string().as_deref() == Some("healthy")).await);
    assert_eq!(get(&m.stats(), "connectionQuality").as_string().unwrap(), "excellent");
    assert!(health.all().iter().any(|h| get(h, "health").as_string().as_deref() == Some("healthy")), "onHealth never said healthy");
    m.close();
}

#[wasm_bindgen_test]
async fn metrics_snapshots_every_interval_and_stop_on_close() {
    let s = session("metrics");
    let m = manager(&s, r#""metricsIntervalMs":100"#);
    let snaps = Recorder::new();
    let _ = m.on_metrics(snaps.function());
    m.connect();
    assert!(wait_status(&m, "open", 5000.0).await);
    assert!(wait_until(3000.0, || snaps.len() >= 4).await, "metrics not delivered");
    assert_eq!(get(&snaps.all()[0], "status").as_string().unwrap(), "open");
    m.close();
    let n = snaps.len();
    sleep(400).await;
    assert_eq!(snaps.len(), n, "metrics kept coming after close()");
    m.reset_stats();
    assert_eq!(num(&m.stats(), "framesReceived"), 0.0);
    let _ = Array::new();
    let _ = JsValue::NULL;
}

#[wasm_bindgen_test]
async fn calimero_app_stamps_inside_events_are_measured_and_stripped() {
    let s = session("cal-stamp");
    let c = ctx(42);
    let m = manager(&s, &format!(r#""contextIds":["{c}"]"#));
    let batches = Recorder::new();
    let _ = m.on_batch(batches.function());
    m.connect();
    assert!(wait_status(&m, "open", 5000.0).await);
    assert!(wait_until_subscribed(&s, &c).await);
    let stamp = js_sys::Date::now() as u64 - 40;
    let spec = format!(
        r#"[{{"contextId":"{c}","events":[{{"kind":"MessageSent","data":{{"text":"hi","_server_timestamp":{stamp}}}}}]}}]"#
    );
    burst(&s, "ws", &spec).await;
    assert!(wait_until(3000.0, || batches.len() >= 1).await);
    // `latest` is decoded when read: the stamp is measured then, from the arrival time.
    assert_eq!(num(&get(&m.stats(), "latencyRaw"), "count"), 0.0);
    sleep(100).await;
    let ev = Array::from(&get(&get(&get(&get(&batches.all()[0], "latest"), &c), "data"), "events")).get(0);
    let lat = get(&m.stats(), "latencyRaw");
    assert_eq!(num(&lat, "count"), 1.0, "{}", stringify(&lat));
    assert!(num(&lat, "p50") >= 40.0 && num(&lat, "p50") < 140.0, "measured from arrival, not from the read: {}", stringify(&lat));
    assert_eq!(num(&get(&get(&m.stats(), "latencyByKind"), "MessageSent"), "count"), 1.0);
    let data = get(&ev, "data");
    assert_eq!(get(&data, "text").as_string().unwrap(), "hi");
    assert!(get(&data, "_server_timestamp").is_undefined(), "the stamp must be removed from app data");
    m.close();
}
