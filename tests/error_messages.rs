//! The core's errors are `std::error::Error`s with their message in native builds (the
//! wasm build keeps `core::fmt` out and hands the same text to JS).
#![cfg(not(target_arch = "wasm32"))]

use calimero_socket::engine::json::reader::validate;
use calimero_socket::engine::protocols::calimero;

#[test]
fn errors_are_std_errors_with_their_message() {
    fn as_error(e: &dyn std::error::Error) -> String {
        e.to_string()
    }
    let frame = calimero::decode("{\"id\":").unwrap_err();
    assert_eq!(as_error(&frame), "malformed frame: JSON ends early at byte 6");
    let json = validate("[1,]").unwrap_err();
    assert_eq!(as_error(&json), "unexpected character at byte 3");
    let sdk = calimero_socket::engine::errors::SdkError::new(calimero_socket::engine::errors::ErrorCode::BadFrame, "x");
    assert_eq!(as_error(&sdk), "badFrame: x");
    let opt = calimero_socket::engine::options::read_options("{}").unwrap_err();
    assert_eq!(as_error(&opt), "SocketManager option \"url\": is required");
}
