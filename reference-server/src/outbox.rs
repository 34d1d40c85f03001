//! Outboxes: the frames queued for one socket, already serialised. The
//! hub fills them and the socket layer (`crate::socket`) drains them; this
//! module sits below both.

use tokio::sync::mpsc;

/// A frame serialised once: cloning it shares the bytes, so a broadcast
/// costs one `serde_json` pass however many sockets get it.
pub type Text = axum::extract::ws::Utf8Bytes;

/// Frames queued for one socket, already serialised. Bounded: a peer whose
/// queue fills is disconnected (it resumes from its cursor) rather than
/// growing the server's memory. Operators' list rows do not go here but to
/// their connection's `crate::rows::RowQueue`, coalesced, so a burst of row
/// changes never fills it.
pub type Outbox = mpsc::Sender<Text>;
pub const OUTBOX_CAPACITY: usize = 256;
/// An operator's outbox holds more: the store writer publishes a whole
/// commit at once, so a busy operator (acks and the events of every chat
/// they own) gets bursts of hundreds of frames that a reading socket
/// drains in moments. The channel allocates only what is queued.
pub const OPERATOR_OUTBOX_CAPACITY: usize = 8192;

pub type PeerId = u64;

/// Serialises a frame for the wire.
pub fn encode<T: serde::Serialize>(frame: &T) -> Text {
    serde_json::to_string(frame)
        .expect("protocol frames always serialise")
        .into()
}

/// Queues one frame for one socket; false when its outbox is full or gone.
pub fn send<T: serde::Serialize>(outbox: &Outbox, frame: &T) -> bool {
    send_text(outbox, &encode(frame))
}

/// Queues an already serialised frame (shared, not copied).
pub fn send_text(outbox: &Outbox, text: &Text) -> bool {
    outbox.try_send(text.clone()).is_ok()
}

/// A frame for many sockets, serialised on first use and then shared: a
/// broadcast nobody receives costs nothing, one everybody receives costs
/// one `serde_json` pass.
#[derive(Debug)]
pub struct Shared<'a, T> {
    frame: &'a T,
    text: Option<Text>,
}

impl<'a, T: serde::Serialize> Shared<'a, T> {
    pub fn new(frame: &'a T) -> Self {
        Shared { frame, text: None }
    }

    pub fn send(&mut self, outbox: &Outbox) -> bool {
        let frame = self.frame;
        send_text(outbox, self.text.get_or_insert_with(|| encode(frame)))
    }
}
