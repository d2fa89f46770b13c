//! Getting state frames to the app: [`batcher`] folds bursts into batches (with
//! backpressure), [`refresh`] maps event kinds to refresh flags, [`sequence`] checks
//! `seq` for gaps and duplicates, [`send_queue`] holds what the app sends while offline,
//! [`out_batch`] coalesces the app's sends of one `sendBatchMs` window, [`relay_out`]
//! keeps a follower tab's sends until the leader tab confirms it wrote them.

pub mod batcher;
pub mod refresh;
pub(crate) mod out_batch;
pub(crate) mod relay_out;
pub(crate) mod send_queue;
pub(crate) mod sequence;
