//! The options table's rules: defaults valid in every profile, type and range errors
//! naming the option, profiles applied before explicit options.

use super::*;
use OptionErrorKind::{Range, Type};


#[test]
fn defaults_are_valid_in_every_profile() {
    for p in [Profile::Default, Profile::Development, Profile::Production, Profile::HighThroughput] {
        assert_eq!(Options::defaults("ws://127.0.0.1:1/ws", p).validate(), Ok(()));
    }
    assert_eq!(Options::defaults("ws://h", Profile::Production).reconnect_max_attempts, 5.0);
    assert!(Options::defaults("ws://h", Profile::Development).debug);
    assert!(Options::defaults("ws://h", Profile::HighThroughput).max_batch_size > 10.0);
}

#[test]
fn urls_must_be_websocket_urls() {
    assert!(check_url("wss://node.example/ws?x=1").is_ok());
    assert!(check_url("WS://h:1").is_ok());
    for bad in ["http://h/ws", "ws://", "ws:///path", "h/ws", "", "ws://a b"] {
        let e = check_url(bad).unwrap_err();
        assert_eq!((e.kind, e.option), (OptionErrorKind::Type, "url"), "{bad}");
    }
}

#[test]
fn out_of_range_numbers_name_the_option() {
    let base = Options::defaults("ws://h", Profile::Default);
    type Edit = Box<dyn Fn(&mut Options)>;
    let cases: Vec<(&str, Edit)> = vec![
        ("batchWindowMs", Box::new(|o| o.batch_window_ms = -1.0)),
        ("batchWindowMs", Box::new(|o| o.batch_window_ms = f64::NAN)),
        ("maxBatchSize", Box::new(|o| o.max_batch_size = 0.0)),
        ("maxBatchSize", Box::new(|o| o.max_batch_size = 2.5)),
        ("maxBatchWaitMs", Box::new(|o| o.max_batch_wait_ms = 50.0)),
        ("reconnectMultiplier", Box::new(|o| o.reconnect_multiplier = 0.5)),
        ("reconnectMaxDelayMs", Box::new(|o| o.reconnect_max_delay_ms = 10.0)),
        ("reconnectMaxAttempts", Box::new(|o| o.reconnect_max_attempts = -1.0)),
        ("connectTimeoutMs", Box::new(|o| o.connect_timeout_ms = 0.0)),
        ("maxQueuedMessages", Box::new(|o| o.max_queued_messages = 1e7)),
        ("maxMessageBytes", Box::new(|o| o.max_message_bytes = 1e9)),
    ];
    for (name, mutate) in cases {
        let mut o = base.clone();
        mutate(&mut o);
        let e = o.validate().unwrap_err();
        assert_eq!((e.kind, e.option), (OptionErrorKind::Range, name));
        assert!(e.full_message().contains(name));
    }
}



fn err(text: &str) -> (OptionErrorKind, &'static str, String) {
    let e = read_options(text).expect_err(text);
    (e.kind, e.option, e.message)
}

#[test]
fn defaults_and_overrides() {
    let o = read_options(r#"{"url":"ws://h/ws","batchWindowMs":50,"debug":true,"contextIds":["a","b"],"queueOverflow":"rejectNew"}"#).unwrap();
    assert_eq!(o.batch_window_ms, 50.0);
    assert!(o.debug);
    assert_eq!(o.context_ids, ["a", "b"]);
    assert_eq!(o.queue_overflow, QueueOverflow::RejectNew);
    assert_eq!(o.max_batch_size, 10.0, "untouched options keep their defaults");
}

#[test]
fn the_profile_applies_before_explicit_options_whatever_the_key_order() {
    let o = read_options(r#"{"maxBatchSize":7,"profile":"highThroughput","url":"ws://h"}"#).unwrap();
    assert_eq!((o.max_batch_size, o.batch_window_ms), (7.0, 16.0));
}

#[test]
fn wrong_types_are_type_errors_naming_the_option_and_the_type() {
    assert_eq!(err(r#"{"url":"ws://h","batchWindowMs":"100"}"#), (Type, "batchWindowMs", "must be a number, got string".into()));
    assert_eq!(err(r#"{"url":"ws://h","debug":1}"#), (Type, "debug", "must be a boolean, got number".into()));
    assert_eq!(err(r#"{"url":"ws://h","contextIds":"abc"}"#), (Type, "contextIds", "must be an array of strings, got string".into()));
    assert_eq!(err(r#"{"url":"ws://h","criticalKinds":["a",3]}"#), (Type, "criticalKinds", "item 1 must be a string, got number".into()));
    assert_eq!(err(r#"{"url":"ws://h","refreshRules":{"A":"x"}}"#), (Type, "refreshRules", "must be an array of strings, got string".into()));
    assert_eq!(err(r#"{"url":"ws://h","refreshRules":[]}"#), (Type, "refreshRules", "must be an object of kind: [flags], got an array".into()));
    assert_eq!(err(r#"{"url":"ws://h","pingMessage":3}"#), (Type, "pingMessage", "must be a string or an object, got number".into()));
    assert_eq!(err(r#"{"url":null}"#), (Type, "url", "must be a string or an array of strings, got null".into()));
    assert_eq!(err(r#"{"url":[]}"#), (Type, "url", "must not be an empty list".into()));
    assert_eq!(err(r#"{"url":["ws://a","http://b"]}"#).1, "url", "every entry is checked");
    assert_eq!(err(r#"{}"#), (Type, "url", "is required".into()));
}

#[test]
fn values_json_cannot_carry_arrive_as_markers() {
    assert_eq!(err("{\"url\":\"ws://h\",\"batchWindowMs\":\"\\u0000function\"}"), (Type, "batchWindowMs", "must be a number, got function".into()));
    assert_eq!(err("{\"url\":\"\\u0000symbol\"}"), (Type, "url", "must be a string or an array of strings, got symbol".into()));
    let (kind, option, _) = err("{\"url\":\"ws://h\",\"batchWindowMs\":\"\\u0000NaN\"}");
    assert_eq!((kind, option), (Range, "batchWindowMs"));
    let o = read_options("{\"url\":\"ws://h\",\"reconnectMaxAttempts\":\"\\u0000Infinity\"}").unwrap();
    assert_eq!(o.reconnect_max_attempts, f64::INFINITY);
}

#[test]
fn unknown_keys_and_non_objects_are_type_errors() {
    assert_eq!(err(r#"{"url":"ws://h","batchWindow":100}"#), (Type, "options", "unknown option \"batchWindow\"".into()));
    assert_eq!(err("\"ws://h\""), (Type, "options", "must be an object, got string".into()));
    assert_eq!(err("[1]"), (Type, "options", "must be an object, got an array".into()));
    assert_eq!(err("\"\\u0000undefined\""), (Type, "options", "must be an object, got undefined".into()));
    assert_eq!(err("{\"url\":"), (Type, "options", "must be an object, got undefined".into()));
}

#[test]
fn ranges_and_enums_are_range_errors() {
    assert_eq!(err(r#"{"url":"ws://h","protocol":"mqtt"}"#).0, Range);
    assert_eq!(err(r#"{"url":"ws://h","profile":"fast"}"#).1, "profile");
    assert_eq!(err(r#"{"url":"ws://h","maxBatchSize":0}"#).0, Range);
    assert_eq!(err(r#"{"url":"ws://h","queueOverflow":"drop"}"#), (Range, "queueOverflow", "must be \"dropOldest\" or \"rejectNew\", got \"drop\"".into()));
}

#[test]
fn ping_objects_keep_their_json_and_rules_their_order() {
    let o = read_options(r#"{"url":"ws://h","protocol":"json","pingMessage":{"op":"ping"},"refreshRules":{"A":["x"],"B":["y","z"]}}"#).unwrap();
    assert_eq!(o.ping_message, r#"{"op":"ping"}"#);
    let rules = o.refresh_rules.unwrap();
    assert_eq!(rules[1], ("B".to_string(), std::vec!["y".to_string(), "z".to_string()]));
}

