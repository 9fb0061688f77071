//! MySQL packet framing: a 3-byte little-endian payload length, a sequence number, the payload.
//!
//! A payload of 16 MiB - 1 bytes or more continues in the next packet; the reader joins the
//! pieces into one logical packet and refuses, before buffering it, any that would exceed
//! `max_allowed_packet` (MySQL's error 1153, after which the connection is closed because
//! the rest of the oversized packet is never read).

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

/// The largest payload one physical packet carries; a packet this long continues.
pub const MAX_PAYLOAD: usize = 0xff_ffff;

/// Why reading a packet stopped.
#[derive(Debug)]
pub enum ReadError {
    /// The client closed the connection (cleanly, between packets).
    Closed,
    /// The logical packet is larger than `max_allowed_packet`.
    TooLarge,
    Io(io::Error),
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            ReadError::Closed
        } else {
            ReadError::Io(e)
        }
    }
}

/// Reads one physical packet straight from `stream`, without reading ahead: the greeting's
/// answer, after which the bytes may belong to a TLS handshake. Returns its sequence number.
pub async fn read_one<R: AsyncRead + Unpin>(
    stream: &mut R,
    max_len: usize,
) -> Result<(u8, Vec<u8>), ReadError> {
    let mut header = [0u8; 4];
    stream.read_exact(&mut header).await?;
    let len = u32::from_le_bytes([header[0], header[1], header[2], 0]) as usize;
    if len > max_len || len >= MAX_PAYLOAD {
        return Err(ReadError::TooLarge);
    }
    let mut payload = vec![0; len];
    stream.read_exact(&mut payload).await?;
    Ok((header[3], payload))
}

/// Reads logical packets from the client.
pub struct PacketReader<R> {
    inner: BufReader<R>,
    /// The sequence number of the last physical packet read.
    pub last_seq: u8,
}

impl<R: AsyncRead + Unpin> PacketReader<R> {
    pub fn new(inner: R) -> Self {
        PacketReader {
            inner: BufReader::with_capacity(16 * 1024, inner),
            last_seq: 0,
        }
    }

    /// Reads one logical packet into `buf` (cleared first), at most `max_len` payload bytes.
    pub async fn read_into(&mut self, buf: &mut Vec<u8>, max_len: usize) -> Result<(), ReadError> {
        buf.clear();
        loop {
            let mut header = [0u8; 4];
            match self.inner.read_exact(&mut header[..1]).await {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof && buf.is_empty() => {
                    return Err(ReadError::Closed)
                }
                Err(e) => return Err(ReadError::Io(e)),
            }
            self.inner.read_exact(&mut header[1..]).await?;
            let len = u32::from_le_bytes([header[0], header[1], header[2], 0]) as usize;
            self.last_seq = header[3];
            if buf.len().saturating_add(len) > max_len {
                return Err(ReadError::TooLarge);
            }
            // `take` + `read_to_end` fills spare capacity without zeroing it first.
            let start = buf.len();
            (&mut self.inner)
                .take(len as u64)
                .read_to_end(buf)
                .await
                .map_err(ReadError::Io)?;
            if buf.len() - start != len {
                return Err(ReadError::Closed);
            }
            if len < MAX_PAYLOAD {
                return Ok(());
            }
        }
    }
}

/// Frames `payload` as packets numbered from `seq` and appends them to `out`; returns the
/// next sequence number. A payload of an exact multiple of 16 MiB - 1 ends with an empty packet.
pub fn frame(out: &mut Vec<u8>, mut seq: u8, payload: &[u8]) -> u8 {
    let mut rest = payload;
    loop {
        let n = rest.len().min(MAX_PAYLOAD);
        out.extend_from_slice(&(n as u32).to_le_bytes()[..3]);
        out.push(seq);
        seq = seq.wrapping_add(1);
        out.extend_from_slice(&rest[..n]);
        rest = &rest[n..];
        if n < MAX_PAYLOAD {
            return seq;
        }
    }
}

/// Writes already framed bytes to the client.
pub async fn send<W: AsyncWrite + Unpin>(w: &mut W, bytes: &[u8]) -> io::Result<()> {
    if bytes.is_empty() {
        return Ok(());
    }
    w.write_all(bytes).await?;
    w.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read_all(bytes: Vec<u8>, max: usize) -> (Vec<Vec<u8>>, Option<ReadError>) {
        let mut r = PacketReader::new(&bytes[..]);
        let mut packets = Vec::new();
        loop {
            let mut buf = Vec::new();
            match r.read_into(&mut buf, max).await {
                Ok(()) => packets.push(buf),
                Err(ReadError::Closed) => return (packets, None),
                Err(e) => return (packets, Some(e)),
            }
        }
    }

    #[tokio::test]
    async fn frames_round_trip_including_split_payloads() {
        let big = vec![7u8; MAX_PAYLOAD + 10];
        let exact = vec![8u8; MAX_PAYLOAD];
        let mut bytes = Vec::new();
        let next = frame(&mut bytes, 0, b"\x03SELECT 1");
        assert_eq!(next, 1);
        assert_eq!(frame(&mut bytes, 0, &big), 2);
        assert_eq!(frame(&mut bytes, 0, &exact), 2);
        frame(&mut bytes, 0, b"");
        let (packets, err) = read_all(bytes, 64 << 20).await;
        assert!(err.is_none());
        assert_eq!(packets.len(), 4);
        assert_eq!(packets[0], b"\x03SELECT 1");
        assert_eq!(packets[1], big);
        assert_eq!(packets[2], exact);
        assert!(packets[3].is_empty());
    }

    #[tokio::test]
    async fn oversized_packets_are_refused_before_they_are_buffered() {
        let mut bytes = Vec::new();
        frame(&mut bytes, 0, &[1u8; 2000]);
        let (packets, err) = read_all(bytes, 1024).await;
        assert!(packets.is_empty());
        assert!(matches!(err, Some(ReadError::TooLarge)));
    }

    #[tokio::test]
    async fn a_truncated_packet_is_a_closed_connection() {
        let mut bytes = Vec::new();
        frame(&mut bytes, 0, b"hello");
        bytes.truncate(6);
        let (packets, err) = read_all(bytes, 1024).await;
        assert!(packets.is_empty());
        assert!(err.is_none());
    }
}
