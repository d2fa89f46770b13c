//! Two allocation workloads over whichever allocator the features pick (none: the
//! package's own src/heap.rs over `memory.grow`, as in src/web/runtime.rs).
//!
//! - `frames(n)`: what one frame of the SDK roughly allocates and frees: a 1.4 KB byte
//!   buffer, a vector grown by pushes (reallocs), a few small boxes and strings, all
//!   dropped at the end of the frame; the live set stays tiny.
//! - `churn(n)`: a live set of 2000 blocks of 8..4096 bytes, one replaced per step (free
//!   then allocate): the case a first-fit free list pays for by its length.
#![no_std]

extern crate alloc;

use alloc::boxed::Box;
use alloc::vec::Vec;

#[cfg(not(any(feature = "talc", feature = "lol")))]
#[path = "../../../src/heap.rs"]
#[allow(dead_code)]
mod heap;

#[cfg(not(any(feature = "talc", feature = "lol")))]
mod own {
    use crate::heap::{Grow, Heap, PAGE};
    use core::alloc::{GlobalAlloc, Layout};
    use core::cell::UnsafeCell;

    struct WasmMemory;
    impl Grow for WasmMemory {
        fn grow(&mut self, pages: usize) -> Option<usize> {
            let before = core::arch::wasm32::memory_grow(0, pages);
            (before != usize::MAX).then_some(before * PAGE)
        }
    }
    struct Allocator(UnsafeCell<Heap<WasmMemory>>);
    unsafe impl Sync for Allocator {}
    unsafe impl GlobalAlloc for Allocator {
        unsafe fn alloc(&self, l: Layout) -> *mut u8 {
            (*self.0.get()).alloc(l.size(), l.align())
        }
        unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
            (*self.0.get()).dealloc(p, l.size(), l.align())
        }
        unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
            (*self.0.get()).realloc(p, l.size(), l.align(), n)
        }
    }
    #[global_allocator]
    static A: Allocator = Allocator(UnsafeCell::new(Heap::new(WasmMemory)));
}

#[cfg(feature = "talc")]
#[global_allocator]
static A: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[cfg(all(feature = "lol", not(feature = "talc")))]
#[global_allocator]
static A: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

fn next(seed: &mut u32) -> u32 {
    *seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
    *seed >> 8
}

#[no_mangle]
pub extern "C" fn frames(n: u32) -> u32 {
    let mut seed = 1u32;
    let mut sum = 0u32;
    for _ in 0..n {
        let len = 1200 + next(&mut seed) as usize % 500;
        let mut buf: Vec<u8> = Vec::with_capacity(len);
        buf.resize(len, 7);
        let mut flags: Vec<u32> = Vec::new();
        for i in 0..(4 + next(&mut seed) % 28) {
            flags.push(i);
        }
        let a = Box::new([seed; 6]);
        let b: Vec<u8> = buf[..16 + next(&mut seed) as usize % 48].to_vec();
        let c: Vec<u8> = buf[..40 + next(&mut seed) as usize % 80].to_vec();
        sum = sum.wrapping_add(buf.len() as u32 + flags.len() as u32 + a[0] + b.len() as u32 + c.len() as u32);
        core::hint::black_box((&buf, &flags, &a, &b, &c));
    }
    sum
}

#[no_mangle]
pub extern "C" fn churn(n: u32) -> u32 {
    let mut seed = 2u32;
    let mut live: Vec<Vec<u8>> = (0..2000).map(|_| Vec::with_capacity(8 + next(&mut seed) as usize % 4089)).collect();
    let mut sum = 0u32;
    for _ in 0..n {
        let i = next(&mut seed) as usize % live.len();
        live[i] = Vec::with_capacity(8 + next(&mut seed) as usize % 4089);
        sum = sum.wrapping_add(live[i].capacity() as u32);
        core::hint::black_box(live[i].as_ptr());
    }
    sum
}

/// Bytes of wasm memory now.
#[no_mangle]
pub extern "C" fn memory_bytes() -> u32 {
    (core::arch::wasm32::memory_size(0) * 65536) as u32
}
