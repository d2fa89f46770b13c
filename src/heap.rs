//! A small, fast allocator for the wasm build: segregated free lists of power-of-two
//! size classes over memory obtained from a [`Grow`] source (`memory.grow` in the
//! browser). It is what replaces dlmalloc there: about a tenth of its code, O(1) per
//! call, and no coalescing. The last is a deliberate trade: memory in use is bounded by
//! the peak of each size class, which for this SDK (bounded queues, windows and
//! indexes) is flat after warm-up; a block never moves to another class.
//!
//! Plain Rust, no wasm: the native tests run it over a buffer.

/// Smallest block: 16 bytes, which also holds the free list's link.
const MIN_SHIFT: u32 = 4;
/// Classes 16 B ..= 2 GiB.
const CLASSES: usize = 28;
/// A wasm page.
pub const PAGE: usize = 65536;

/// Where fresh memory comes from.
pub trait Grow {
    /// Adds `pages` pages; returns the address where they start, or `None` when out of
    /// memory.
    fn grow(&mut self, pages: usize) -> Option<usize>;
}

/// The allocator's state: one free list head per class and a bump region.
pub struct Heap<G> {
    free: [usize; CLASSES],
    next: usize,
    end: usize,
    source: G,
}

/// The class of a request, or `None` when it is too large.
fn class_of(size: usize, align: usize) -> Option<usize> {
    let need = size.max(align).max(1 << MIN_SHIFT);
    let shift = usize::BITS - (need - 1).leading_zeros();
    let class = (shift - MIN_SHIFT) as usize;
    (class < CLASSES).then_some(class)
}

impl<G: Grow> Heap<G> {
    pub const fn new(source: G) -> Self {
        Heap { free: [0; CLASSES], next: 0, end: 0, source }
    }

    /// A block of at least `size` bytes aligned to `align` (a power of two), or null.
    ///
    /// # Safety
    /// The memory handed out by the source must be valid, writable and unused.
    pub unsafe fn alloc(&mut self, size: usize, align: usize) -> *mut u8 {
        let Some(class) = class_of(size, align) else { return core::ptr::null_mut() };
        let head = self.free[class];
        if head != 0 && head.is_multiple_of(align) {
            self.free[class] = *(head as *const usize);
            return head as *mut u8;
        }
        let block = 1usize << (class as u32 + MIN_SHIFT);
        let mut start = (self.next + align.max(16) - 1) & !(align.max(16) - 1);
        if start + block > self.end || self.end == 0 {
            let short = (start + block).saturating_sub(self.end);
            let pages = short.div_ceil(PAGE).max(1);
            let Some(at) = self.source.grow(pages) else { return core::ptr::null_mut() };
            if at != self.end {
                // Not contiguous with our region (first call): start over there.
                self.next = at;
                self.end = at + pages * PAGE;
                return self.alloc(size, align);
            }
            self.end += pages * PAGE;
            start = (self.next + align.max(16) - 1) & !(align.max(16) - 1);
        }
        self.next = start + block;
        start as *mut u8
    }

    /// Returns a block to its class's free list.
    ///
    /// # Safety
    /// `ptr` came from [`Heap::alloc`] (or `realloc`) with the same size and align.
    pub unsafe fn dealloc(&mut self, ptr: *mut u8, size: usize, align: usize) {
        if let Some(class) = class_of(size, align) {
            *(ptr as *mut usize) = self.free[class];
            self.free[class] = ptr as usize;
        }
    }

    /// Resizes a block, in place when the class does not change.
    ///
    /// # Safety
    /// As for [`Heap::dealloc`].
    pub unsafe fn realloc(&mut self, ptr: *mut u8, size: usize, align: usize, new_size: usize) -> *mut u8 {
        if class_of(size, align) == class_of(new_size, align) {
            return ptr;
        }
        let out = self.alloc(new_size, align);
        if !out.is_null() {
            core::ptr::copy_nonoverlapping(ptr, out, size.min(new_size));
            self.dealloc(ptr, size, align);
        }
        out
    }

    /// Bytes obtained from the source so far (for tests).
    pub fn reserved(&self) -> usize {
        self.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    /// Pages carved from one buffer, as memory.grow would add them.
    struct Arena {
        base: usize,
        used: usize,
        cap: usize,
        grows: usize,
    }

    impl Grow for Arena {
        fn grow(&mut self, pages: usize) -> Option<usize> {
            if self.used + pages * PAGE > self.cap {
                return None;
            }
            let at = self.base + self.used;
            self.used += pages * PAGE;
            self.grows += 1;
            Some(at)
        }
    }

    fn heap(buf: &mut Vec<u64>) -> Heap<Arena> {
        let addr = buf.as_mut_ptr() as usize;
        let base = (addr + PAGE - 1) & !(PAGE - 1);
        let cap = (addr + buf.len() * 8 - base) & !(PAGE - 1);
        Heap::new(Arena { base, used: 0, cap, grows: 0 })
    }

    #[test]
    fn classes_round_up_to_powers_of_two() {
        assert_eq!(class_of(1, 1), Some(0));
        assert_eq!(class_of(16, 8), Some(0));
        assert_eq!(class_of(17, 8), Some(1));
        assert_eq!(class_of(32, 64), Some(2));
        assert_eq!(class_of(usize::MAX / 2, 8), None);
    }

    #[test]
    fn blocks_are_aligned_disjoint_and_keep_their_bytes() {
        let mut buf = std::vec![0u64; 128 * PAGE / 8]; // 8 MB: the live set peaks near 3 MB
        let mut h = heap(&mut buf);
        let mut live: Vec<(usize, usize, u8)> = Vec::new();
        let mut seed = 7u32;
        for i in 0..4000u32 {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            if seed.is_multiple_of(3) && !live.is_empty() {
                let (p, n, tag) = live.swap_remove(seed as usize % live.len());
                let bytes = unsafe { core::slice::from_raw_parts(p as *const u8, n) };
                assert!(bytes.iter().all(|&b| b == tag), "a block was overwritten");
                unsafe { h.dealloc(p as *mut u8, n, 8) };
                continue;
            }
            let n = 1 + (seed >> 8) as usize % 3000;
            let align = [1, 8, 16, 64][(seed >> 4) as usize % 4];
            let p = unsafe { h.alloc(n, align) } as usize;
            assert!(p != 0 && p.is_multiple_of(align));
            for &(q, m, _) in &live {
                assert!(p + n <= q || q + m <= p, "blocks overlap");
            }
            let tag = (i % 251) as u8;
            unsafe { core::ptr::write_bytes(p as *mut u8, tag, n) };
            live.push((p, n, tag));
        }
    }

    #[test]
    fn realloc_keeps_contents_and_stays_in_place_within_a_class() {
        let mut buf = std::vec![0u64; 4 * PAGE / 8];
        let mut h = heap(&mut buf);
        unsafe {
            let p = h.alloc(20, 8);
            core::ptr::write_bytes(p, 9, 20);
            assert_eq!(h.realloc(p, 20, 8, 30), p, "20 and 30 bytes share the 32-byte class");
            let q = h.realloc(p, 30, 8, 100);
            assert_ne!(q, p);
            assert!(core::slice::from_raw_parts(q, 20).iter().all(|&b| b == 9));
        }
    }

    #[test]
    fn freed_blocks_are_reused_so_steady_churn_stays_flat() {
        let mut buf = std::vec![0u64; 8 * PAGE / 8];
        let mut h = heap(&mut buf);
        for round in 0..10_000 {
            let blocks: Vec<*mut u8> = (0..20).map(|i| unsafe { h.alloc(8 + i * 40 + round % 7, 8) }).collect();
            for (i, p) in blocks.into_iter().enumerate() {
                unsafe { h.dealloc(p, 8 + i * 40 + round % 7, 8) };
            }
        }
        assert!(h.source.grows <= 1, "memory grew {} times under steady churn", h.source.grows);
    }

    #[test]
    fn out_of_memory_is_null_not_a_crash() {
        let mut buf = std::vec![0u64; 2 * PAGE / 8];
        let mut h = heap(&mut buf);
        assert!(unsafe { h.alloc(10 * PAGE, 8) }.is_null());
        assert!(!unsafe { h.alloc(100, 8) }.is_null());
    }
}
