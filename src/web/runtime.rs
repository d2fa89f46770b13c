//! What std would provide in the browser build, kept small: the global allocator
//! ([`crate::heap::Heap`] over `memory.grow`) and a panic handler that traps.
//!
//! A panic is a bug in this crate; it surfaces in JS as `RuntimeError: unreachable`
//! from the call that hit it. No message is formatted, which is what keeps `core::fmt`
//! and std's panic machinery out of the wasm. Built only without the `std` feature (the
//! browser tests link std and use its allocator and panic handler).

use crate::heap::{Grow, Heap, PAGE};
use ::core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;

/// `memory.grow` on the wasm's one memory.
struct WasmMemory;

impl Grow for WasmMemory {
    fn grow(&mut self, pages: usize) -> Option<usize> {
        let before = ::core::arch::wasm32::memory_grow(0, pages);
        (before != usize::MAX).then_some(before * PAGE)
    }
}

struct Allocator(UnsafeCell<Heap<WasmMemory>>);

// SAFETY: wasm32 without the atomics feature runs on one thread, and the allocator is
// never re-entered (it calls nothing that allocates).
unsafe impl Sync for Allocator {}

unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        (*self.0.get()).alloc(layout.size(), layout.align())
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        (*self.0.get()).dealloc(ptr, layout.size(), layout.align())
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        (*self.0.get()).realloc(ptr, layout.size(), layout.align(), new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Allocator = Allocator(UnsafeCell::new(Heap::new(WasmMemory)));

#[panic_handler]
fn panic(_: &::core::panic::PanicInfo) -> ! {
    ::core::arch::wasm32::unreachable()
}
