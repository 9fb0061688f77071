//! The byte streams between opensrv-mysql and the socket.
//!
//! opensrv-mysql decodes commands and runs the handshake, but it has defects that must not reach
//! users, and these two adapters are where moltdb fences them off:
//!
//! - [`PacketGate`] hands opensrv at most the rest of ONE packet per read. opensrv's reader
//!   swaps its buffer when a read returns bytes beyond the current packet while that packet is
//!   still borrowed, which crashes the process when a client pipelines a large command with
//!   the next one. The gate also watches the command byte of each packet, because opensrv
//!   answers COM_RESET_CONNECTION and COM_CHANGE_USER with a bare OK without telling the
//!   handler, and the session must still be reset; and it records the client's capability
//!   flags, which opensrv does not share.
//! - [`ConnWriter`] is the output opensrv writes to. It only collects bytes and forwards them
//!   to the socket task on flush, patching an error packet first when the handler asked for it:
//!   opensrv can only emit MySQL 5.7 error codes and sends 1698 on failed authentication where
//!   MySQL sends 1045. Everything else moltdb sends (results, OK and error packets) it encodes
//!   itself in `packets.rs` and queues on the same channel.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use parking_lot::Mutex;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::sync::mpsc;
use tokio_util::sync::PollSender;

const COM_CHANGE_USER: u8 = 0x11;
const COM_RESET_CONNECTION: u8 = 0x1f;

/// State the two stream adapters share with the command handler of one connection.
#[derive(Default)]
pub struct ConnShared {
    client_capabilities: AtomicU32,
    /// Commands opensrv acknowledged behind the handler's back, oldest first.
    pending_resets: Mutex<Vec<Reset>>,
    /// An error packet payload that replaces the next error packet opensrv writes.
    err_override: Mutex<Option<Vec<u8>>>,
}

/// A command that opensrv answers itself and after which the session must be reset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reset {
    /// COM_RESET_CONNECTION: drop transaction, variables, prepared statements.
    Connection,
    /// COM_CHANGE_USER with its raw payload (user, auth response, database...).
    ChangeUser(Vec<u8>),
}

impl ConnShared {
    pub fn client_capabilities(&self) -> u32 {
        self.client_capabilities.load(Ordering::Relaxed)
    }

    pub fn take_resets(&self) -> Vec<Reset> {
        std::mem::take(&mut *self.pending_resets.lock())
    }

    /// Makes the next error packet opensrv writes carry `payload` instead of its own.
    pub fn override_next_error(&self, payload: Vec<u8>) {
        *self.err_override.lock() = Some(payload);
    }
}

/// The read side: yields bytes of at most one packet per read.
pub struct PacketGate<R> {
    inner: R,
    shared: Arc<ConnShared>,
    header: [u8; 4],
    header_len: usize,
    /// Payload bytes of the current packet not yet handed out.
    payload_left: usize,
    /// The first payload byte of a command packet is read through here too.
    at_payload_start: bool,
    /// Collects a COM_CHANGE_USER payload as it passes.
    capture: Option<Vec<u8>>,
    packets_seen: u64,
}

impl<R> PacketGate<R> {
    pub fn new(inner: R, shared: Arc<ConnShared>) -> Self {
        PacketGate {
            inner,
            shared,
            header: [0; 4],
            header_len: 0,
            payload_left: 0,
            at_payload_start: false,
            capture: None,
            packets_seen: 0,
        }
    }

    fn on_payload(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if self.at_payload_start {
            self.at_payload_start = false;
            let seq = self.header[3];
            if self.packets_seen == 1 && bytes.len() >= 4 {
                // The client's handshake response starts with its capability flags.
                let caps = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
                self.shared
                    .client_capabilities
                    .store(caps, Ordering::Relaxed);
            } else if seq == 0 && self.packets_seen > 1 {
                match bytes[0] {
                    COM_RESET_CONNECTION => {
                        self.shared.pending_resets.lock().push(Reset::Connection)
                    }
                    COM_CHANGE_USER => self.capture = Some(Vec::new()),
                    _ => {}
                }
            }
        }
        if let Some(buf) = self.capture.as_mut() {
            buf.extend_from_slice(bytes);
        }
    }

    fn finish_packet(&mut self) {
        if let Some(payload) = self.capture.take() {
            self.shared
                .pending_resets
                .lock()
                .push(Reset::ChangeUser(payload));
        }
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for PacketGate<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.payload_left == 0 && this.header_len < 4 {
            // Read the rest of the next header only.
            let mut hb = ReadBuf::new(&mut this.header[this.header_len..]);
            match Pin::new(&mut this.inner).poll_read(cx, &mut hb) {
                Poll::Ready(Ok(())) => {}
                other => return other,
            }
            let n = hb.filled().len();
            if n == 0 {
                return Poll::Ready(Ok(())); // EOF
            }
            let start = this.header_len;
            this.header_len += n;
            buf.put_slice(&this.header[start..this.header_len]);
            if this.header_len == 4 {
                this.payload_left =
                    u32::from_le_bytes([this.header[0], this.header[1], this.header[2], 0])
                        as usize;
                this.packets_seen += 1;
                this.at_payload_start = true;
                if this.payload_left == 0 {
                    this.header_len = 0;
                    this.finish_packet();
                }
            }
            return Poll::Ready(Ok(()));
        }
        // Hand out payload bytes, never past the end of this packet.
        let want = this.payload_left.min(buf.remaining());
        let mut limited = ReadBuf::new(buf.initialize_unfilled_to(want));
        match Pin::new(&mut this.inner).poll_read(cx, &mut limited) {
            Poll::Ready(Ok(())) => {}
            other => return other,
        }
        let n = limited.filled().len();
        if n == 0 {
            return Poll::Ready(Ok(()));
        }
        let chunk = limited.filled().to_vec();
        this.on_payload(&chunk);
        buf.advance(n);
        this.payload_left -= n;
        if this.payload_left == 0 {
            this.header_len = 0;
            this.finish_packet();
        }
        Poll::Ready(Ok(()))
    }
}

/// The write side opensrv owns: buffers its packets and queues them for the socket on flush.
pub struct ConnWriter {
    buf: Vec<u8>,
    out: PollSender<Bytes>,
    shared: Arc<ConnShared>,
}

impl ConnWriter {
    pub fn new(out: mpsc::Sender<Bytes>, shared: Arc<ConnShared>) -> Self {
        ConnWriter {
            buf: Vec::new(),
            out: PollSender::new(out),
            shared,
        }
    }

    /// Replaces the payload of the first error packet in the buffer with the override.
    fn apply_error_override(&mut self) {
        let Some(payload) = self.shared.err_override.lock().take() else {
            return;
        };
        let mut pos = 0;
        while pos + 4 <= self.buf.len() {
            let len = u32::from_le_bytes([self.buf[pos], self.buf[pos + 1], self.buf[pos + 2], 0])
                as usize;
            let end = pos + 4 + len;
            if end > self.buf.len() {
                break;
            }
            if len > 0 && self.buf[pos + 4] == 0xff {
                let seq = self.buf[pos + 3];
                let mut packet = Vec::with_capacity(4 + payload.len());
                packet.extend_from_slice(&(payload.len() as u32).to_le_bytes()[..3]);
                packet.push(seq);
                packet.extend_from_slice(&payload);
                self.buf.splice(pos..end, packet);
                return;
            }
            pos = end;
        }
    }
}

fn closed() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "connection writer closed")
}

impl AsyncWrite for ConnWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.buf.extend_from_slice(data);
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.buf.is_empty() {
            return Poll::Ready(Ok(()));
        }
        match self.out.poll_reserve(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Err(_)) => return Poll::Ready(Err(closed())),
            Poll::Ready(Ok(())) => {}
        }
        self.apply_error_override();
        let bytes = Bytes::from(std::mem::take(&mut self.buf));
        match self.out.send_item(bytes) {
            Ok(()) => Poll::Ready(Ok(())),
            Err(_) => Poll::Ready(Err(closed())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

/// Drains queued responses into the socket, coalescing whatever is queued into one write.
pub async fn socket_writer<W: AsyncWrite + Unpin>(mut socket: W, mut rx: mpsc::Receiver<Bytes>) {
    let mut batch = Vec::new();
    while let Some(first) = rx.recv().await {
        batch.clear();
        batch.extend_from_slice(&first);
        while batch.len() < 256 * 1024 {
            match rx.try_recv() {
                Ok(more) => batch.extend_from_slice(&more),
                Err(_) => break,
            }
        }
        if socket.write_all(&batch).await.is_err() || socket.flush().await.is_err() {
            return;
        }
    }
    let _ = socket.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    fn packet(seq: u8, payload: &[u8]) -> Vec<u8> {
        let mut p = (payload.len() as u32).to_le_bytes()[..3].to_vec();
        p.push(seq);
        p.extend_from_slice(payload);
        p
    }

    #[tokio::test]
    async fn gate_never_reads_past_a_packet_and_sees_resets() {
        // handshake response: capability flags first
        let mut stream = packet(1, &[0x0d, 0xa2, 0x0b, 0x01, 0, 0]);
        stream.extend(packet(0, &[0x03, b'x']));
        stream.extend(packet(0, &[COM_RESET_CONNECTION]));
        stream.extend(packet(0, &[COM_CHANGE_USER, b'u', 0]));
        let shared = Arc::new(ConnShared::default());
        let mut gate = PacketGate::new(&stream[..], shared.clone());
        let mut buf = vec![0u8; 4096];
        let mut reads = Vec::new();
        loop {
            let n = gate.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            reads.push(n);
        }
        // header and payload of each packet arrive separately, never merged
        assert_eq!(reads, vec![4, 6, 4, 2, 4, 1, 4, 3]);
        assert_eq!(shared.client_capabilities(), 0x010ba20d);
        assert_eq!(
            shared.take_resets(),
            vec![
                Reset::Connection,
                Reset::ChangeUser(vec![COM_CHANGE_USER, b'u', 0])
            ]
        );
    }
}
