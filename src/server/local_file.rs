//! The file a client sends for LOAD DATA LOCAL, as the statement reads it: the connection's
//! task receives the packets and hands them over a bounded channel to the statement's
//! thread, which reads them through `std::io::Read` as they come.

use std::io::{self, Read};

use tokio::sync::mpsc::Receiver;

/// Packets received ahead of the statement's reading (clients send 16-64 KiB each): enough
/// to keep both sides busy, few enough that memory does not grow with the file.
pub const PACKETS_AHEAD: usize = 32;

/// The packets of one file: `Some(bytes)` each, then `None` at the client's empty packet.
/// A channel closed before `None` is a transfer cut short (the client went away), which
/// the reader reports as an error, so that a half-received file never loads as a whole.
pub struct IncomingFile {
    packets: Receiver<Option<Vec<u8>>>,
    current: Vec<u8>,
    read: usize,
    ended: bool,
}

impl IncomingFile {
    pub fn new(packets: Receiver<Option<Vec<u8>>>) -> IncomingFile {
        IncomingFile {
            packets,
            current: Vec::new(),
            read: 0,
            ended: false,
        }
    }
}

impl Read for IncomingFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.read == self.current.len() {
            if self.ended {
                return Ok(0);
            }
            match self.packets.blocking_recv() {
                Some(Some(packet)) => {
                    self.current = packet;
                    self.read = 0;
                }
                Some(None) => self.ended = true,
                None => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the client stopped sending the LOCAL file",
                    ))
                }
            }
        }
        let rest = &self.current[self.read..];
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.read += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_packets_in_order_up_to_the_end_mark() {
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tx.try_send(Some(b"ab".to_vec())).unwrap();
        tx.try_send(Some(b"cde".to_vec())).unwrap();
        tx.try_send(None).unwrap();
        let mut text = String::new();
        IncomingFile::new(rx).read_to_string(&mut text).unwrap();
        assert_eq!(text, "abcde");
    }

    #[test]
    fn a_transfer_cut_short_is_an_error() {
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tx.try_send(Some(b"ab".to_vec())).unwrap();
        drop(tx);
        let mut text = String::new();
        let err = IncomingFile::new(rx).read_to_string(&mut text).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }
}
