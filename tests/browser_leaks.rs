//! Leak tests, alone in their page so that the global handle counts are theirs:
//! 1000 connect/close cycles and 100 reconnects leave no socket, listener or timer
//! alive, and wasm memory does not grow with the number of cycles.
#![cfg(target_arch = "wasm32")]

mod browser_support;

use browser_support::*;
use calimero_socket::SocketManager;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn live() -> (f64, f64, f64) {
    let h = SocketManager::live_handles();
    (num(&h, "sockets"), num(&h, "listeners"), num(&h, "timers"))
}

fn memory(m: &SocketManager) -> f64 {
    num(&m.stats(), "memoryBytes")
}

#[wasm_bindgen_test]
async fn connect_close_cycles_and_reconnects_leak_nothing() {
    let s = session("leaks");
    let c = ctx(31);
    assert_eq!(live(), (0.0, 0.0, 0.0));

    // 100 reconnects of one manager (first: a thousand aborted handshakes make the
    // browser itself slow down new connections to the host).
    let m = manager(&s, &format!(r#""contextIds":["{c}"],"reconnectMinUptimeMs":0,"reconnectInitialDelayMs":50"#));
    m.connect();
    assert!(wait_status(&m, "open", 5000.0).await);
    let mem_before = memory(&m);
    for i in 0..100 {
        control(&s, "drop", "").await;
        let want = (i + 1) as f64;
        assert!(wait_until(5000.0, || num(&m.stats(), "reconnects") == want).await, "reconnect {i} not made");
        assert!(wait_status(&m, "open", 5000.0).await, "reconnect {i} failed");
        let (sockets, listeners, timers) = live();
        assert_eq!(sockets, 1.0, "more than one socket alive after reconnect {i}");
        assert_eq!(listeners, 4.0, "page listeners multiplied after reconnect {i}");
        assert!(timers <= 1.0, "more than one timer after reconnect {i}");
    }
    assert_eq!(num(&m.stats(), "reconnects"), 100.0);
    assert!(memory(&m) - mem_before <= 65536.0, "wasm memory grew by more than one page over 100 reconnects");
    m.close();
    assert_eq!(live(), (0.0, 0.0, 0.0), "close() left live handles");
    drop(m);

    // 1000 connect/close cycles, each with its own manager, closed then freed.
    let mut mem_after_warmup = 0.0;
    for i in 0..1000 {
        let m = manager(&s, &format!(r#""contextIds":["{c}"]"#));
        let batches = Recorder::new();
        let _off = m.on_batch(batches.function());
        m.connect();
        m.send("queued while connecting".into()).unwrap();
        m.close();
        if i == 99 {
            mem_after_warmup = memory(&m);
        }
        if i == 999 {
            assert_eq!(memory(&m), mem_after_warmup, "wasm memory grew over 900 connect/close cycles");
        }
        drop(m); // free()
        if i % 100 == 0 {
            sleep(0).await; // let the browser run its socket events
        }
    }
    assert_eq!(live(), (0.0, 0.0, 0.0), "connect/close cycles left live handles");

}
