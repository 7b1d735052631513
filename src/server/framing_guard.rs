//! A read-side filter in front of actix-http for one thing it cannot do:
//! answer a request whose `Content-Length` is not an integer.
//!
//! actix-http refuses such a request while framing it, with a bare 400 and
//! no body, so the app never sees it. Upstream Placement answers it with its
//! JSON error "content-length header must be an integer" (after the auth
//! and microversion checks). This filter watches the request heads on a
//! connection; when a head carries an unusable `Content-Length`, it renames
//! that header to [`REJECTED_CONTENT_LENGTH`] so the request reaches the
//! app's middleware, asks for the connection to be closed after the answer
//! (the body's length is unknown, so nothing after the head can be framed),
//! and drops every further byte the client sends.
//!
//! Everything else passes through unchanged: bodies are counted so the
//! next head is found, and a connection whose framing this
//! filter does not follow (chunked bodies, upgrades, heads httparse cannot
//! read) is passed through untouched for the rest of its life, leaving
//! every decision to actix-http.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The header the app's middleware reads in place of an unusable
/// `Content-Length`.
pub const REJECTED_CONTENT_LENGTH: &str = "x-placement-rejected-content-length";

/// Heads longer than this are left to actix-http (which has its own limit).
const MAX_HEAD: usize = 64 * 1024;
/// actix-http accepts at most 96 headers; one more lets us see "too many".
const MAX_HEADERS: usize = 97;
const READ_CHUNK: usize = 8 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Collecting the next request head.
    Head,
    /// Inside a body with this many bytes left.
    Body(u64),
    /// Framing not followed: bytes go through untouched from now on.
    Passthrough,
    /// After a head with an unusable length: everything else is dropped.
    Discard,
}

/// An IO stream that filters request heads as described in the module doc.
pub struct FramingGuard<T> {
    inner: T,
    state: State,
    /// Bytes read from `inner` but not yet classified.
    pending: BytesMut,
    /// Classified bytes ready for the reader.
    out: BytesMut,
}

impl<T> FramingGuard<T> {
    pub fn new(inner: T) -> Self {
        FramingGuard {
            inner,
            state: State::Head,
            pending: BytesMut::new(),
            out: BytesMut::new(),
        }
    }

    /// Classifies as much of `pending` as the state allows; returns false
    /// when more input is needed to go on.
    fn classify(&mut self) -> bool {
        match self.state {
            State::Passthrough => {
                if self.pending.is_empty() {
                    return false;
                }
                let all = self.pending.split();
                self.out.unsplit(all);
                true
            }
            State::Discard => {
                self.pending.clear();
                false
            }
            State::Body(left) => {
                if self.pending.is_empty() {
                    return false;
                }
                let take =
                    usize::try_from(left).map_or(self.pending.len(), |l| l.min(self.pending.len()));
                let chunk = self.pending.split_to(take);
                self.out.unsplit(chunk);
                let left = left - take as u64;
                self.state = if left == 0 {
                    State::Head
                } else {
                    State::Body(left)
                };
                true
            }
            State::Head => {
                if self.pending.is_empty() {
                    return false;
                }
                match inspect_head(&self.pending) {
                    HeadVerdict::Partial if self.pending.len() <= MAX_HEAD => false,
                    HeadVerdict::Partial | HeadVerdict::Unfollowed => {
                        self.state = State::Passthrough;
                        true
                    }
                    HeadVerdict::Complete { len, body } => {
                        let head = self.pending.split_to(len);
                        self.out.unsplit(head);
                        self.state = match body {
                            Body::None => State::Head,
                            Body::Fixed(n) => State::Body(n),
                            Body::Unfollowed => State::Passthrough,
                        };
                        true
                    }
                    HeadVerdict::BadLength { len } => {
                        let head = self.pending.split_to(len);
                        self.out.extend_from_slice(&rewrite_bad_length(&head));
                        self.pending.clear();
                        self.state = State::Discard;
                        true
                    }
                }
            }
        }
    }
}

enum Body {
    None,
    Fixed(u64),
    Unfollowed,
}

enum HeadVerdict {
    Partial,
    Complete { len: usize, body: Body },
    BadLength { len: usize },
    Unfollowed,
}

/// The same rule actix-http applies: trimmed, no sign, a u64.
fn usable_length(value: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(value).ok()?.trim();
    if text.starts_with('+') {
        return None;
    }
    text.parse().ok()
}

fn inspect_head(bytes: &[u8]) -> HeadVerdict {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let len = match request.parse(bytes) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return HeadVerdict::Partial,
        Err(_) => return HeadVerdict::Unfollowed,
    };
    if request.method == Some("CONNECT") {
        return HeadVerdict::Complete {
            len,
            body: Body::Unfollowed,
        };
    }
    let mut length = None;
    let mut unfollowed = false;
    for header in request.headers.iter() {
        if header.name.eq_ignore_ascii_case("content-length") {
            match usable_length(header.value) {
                Some(n) => length = Some(n),
                None => return HeadVerdict::BadLength { len },
            }
        } else if header.name.eq_ignore_ascii_case("transfer-encoding")
            || header.name.eq_ignore_ascii_case("upgrade")
        {
            unfollowed = true;
        }
    }
    let body = match length {
        _ if unfollowed => Body::Unfollowed,
        Some(0) | None => Body::None,
        Some(n) => Body::Fixed(n),
    };
    HeadVerdict::Complete { len, body }
}

/// The head with every `Content-Length` renamed and `Connection: close`
/// in place of any `Connection` header.
fn rewrite_bad_length(head: &[u8]) -> Vec<u8> {
    let mut rewritten = Vec::with_capacity(head.len() + 64);
    let body = head.strip_suffix(b"\r\n\r\n").unwrap_or(head);
    for (i, line) in body.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let raw_name = line.split(|&b| b == b':').next().unwrap_or_default();
        let name = String::from_utf8_lossy(raw_name);
        let name = name.trim();
        if i > 0 && name.eq_ignore_ascii_case("connection") {
            continue;
        }
        if i > 0 && name.eq_ignore_ascii_case("content-length") {
            rewritten.extend_from_slice(REJECTED_CONTENT_LENGTH.as_bytes());
            rewritten.extend_from_slice(&line[raw_name.len()..]);
        } else {
            rewritten.extend_from_slice(line);
        }
        rewritten.extend_from_slice(b"\r\n");
    }
    rewritten.extend_from_slice(b"Connection: close\r\n\r\n");
    rewritten
}

impl<T: AsyncRead + Unpin> AsyncRead for FramingGuard<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if !this.out.is_empty() {
                let n = this.out.len().min(buf.remaining());
                buf.put_slice(&this.out[..n]);
                this.out.advance(n);
                return Poll::Ready(Ok(()));
            }
            if this.classify() {
                continue;
            }
            // A passed-through connection reads straight into the caller's
            // buffer once nothing is pending.
            if this.state == State::Passthrough && this.pending.is_empty() {
                return Pin::new(&mut this.inner).poll_read(cx, buf);
            }
            let mut scratch = [0u8; READ_CHUNK];
            let mut read = ReadBuf::new(&mut scratch);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut read))?;
            if read.filled().is_empty() {
                // End of input: hand over whatever partial head is left so
                // actix-http sees exactly what the client sent.
                if this.state == State::Head && !this.pending.is_empty() {
                    this.state = State::Passthrough;
                    continue;
                }
                return Poll::Ready(Ok(()));
            }
            if this.state != State::Discard {
                this.pending.extend_from_slice(read.filled());
            }
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for FramingGuard<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use tokio::io::AsyncReadExt;

    use super::*;

    /// A reader that hands out its input in the given pieces.
    struct Pieces(VecDeque<Vec<u8>>);

    impl AsyncRead for Pieces {
        fn poll_read(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let this = self.get_mut();
            if let Some(mut piece) = this.0.pop_front() {
                let n = piece.len().min(buf.remaining());
                buf.put_slice(&piece[..n]);
                if n < piece.len() {
                    this.0.push_front(piece.split_off(n));
                }
            }
            Poll::Ready(Ok(()))
        }
    }

    /// What the reader side of the guard yields for `input` split into
    /// pieces of `size` bytes.
    async fn filtered(input: &[u8], size: usize) -> Vec<u8> {
        let pieces = input.chunks(size).map(<[u8]>::to_vec).collect();
        let mut guard = FramingGuard::new(Pieces(pieces));
        let mut out = Vec::new();
        guard.read_to_end(&mut out).await.unwrap();
        out
    }

    fn post(length: &str, body: &str) -> Vec<u8> {
        format!(
            "POST /resource_providers HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\
             Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n{body}"
        )
        .into_bytes()
    }

    const SIZES: [usize; 4] = [1, 3, 17, 1 << 20];

    #[tokio::test]
    async fn well_framed_requests_pass_unchanged() {
        // The first body holds text that looks like a bad head: it must be
        // counted as body, not inspected.
        let tricky = "POST / HTTP/1.1\r\nContent-Length: hi\r\n\r\n";
        let mut input = post(&tricky.len().to_string(), tricky);
        input.extend(post("2", "{}"));
        input.extend(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        for size in SIZES {
            assert_eq!(filtered(&input, size).await, input, "pieces of {size}");
        }
    }

    #[tokio::test]
    async fn bad_length_is_renamed_and_the_rest_dropped() {
        let mut input = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec();
        input.extend(post("hi mom", "{\"name\": \"a\"}"));
        input.extend(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        let expected = "GET / HTTP/1.1\r\nHost: x\r\n\r\n\
             POST /resource_providers HTTP/1.1\r\nHost: x\r\n\
             Content-Type: application/json\r\n\
             x-placement-rejected-content-length: hi mom\r\nConnection: close\r\n\r\n";
        for size in SIZES {
            let out = filtered(&input, size).await;
            assert_eq!(
                String::from_utf8(out).unwrap(),
                expected,
                "pieces of {size}"
            );
        }
    }

    #[tokio::test]
    async fn lengths_actix_refuses_are_all_caught() {
        for bad in ["+5", "-1", "1.0", "99999999999999999999", "", "0x10"] {
            let out = filtered(&post(bad, ""), 1 << 20).await;
            let text = String::from_utf8(out).unwrap();
            assert!(text.contains(REJECTED_CONTENT_LENGTH), "{bad:?}: {text}");
        }
        let out = filtered(&post(" 2 ", "{}"), 1 << 20).await;
        assert_eq!(out, post(" 2 ", "{}"));
    }

    #[tokio::test]
    async fn unfollowed_framing_passes_through() {
        let chunked = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\
            2\r\n{}\r\n0\r\n\r\nPOST / HTTP/1.1\r\nContent-Length: no\r\n\r\n"
            .to_vec();
        let garbage = b"\x00\x01 not http at all\r\n\r\n".to_vec();
        let partial = b"GET / HTTP/1.1\r\nHost: x".to_vec();
        for input in [chunked, garbage, partial] {
            for size in SIZES {
                assert_eq!(filtered(&input, size).await, input);
            }
        }
    }
}
