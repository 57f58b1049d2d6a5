//! One client's connection, as pgwire's own loop serves it but for three things. Every
//! message is checked before pgwire decodes it: pgwire 0.41's decoders read a message's
//! fields from all the bytes buffered, not from the message, and panic when those run out (a
//! Bind whose parameter is longer than the Bind, an Execute without its row limit, a length
//! field below 4). Bytes sent before the TLS handshake are refused, where pgwire takes them
//! as sent over TLS. And a FATAL error ends the connection: pgwire sends ReadyForQuery after
//! it and reads on, so a client refused at authentication could still have its queries run.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::BytesMut;
use futures::{SinkExt, StreamExt};
use pgwire::api::{ClientInfo, PgWireConnectionState, PgWireServerHandlers};
use pgwire::error::{ErrorInfo, PgWireError};
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use pgwire::tokio::TlsAcceptor;
use pgwire::tokio::server::{negotiate_tls, process_error, process_message};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_util::codec::{Framed, FramedParts};

use super::errors::PROTOCOL_VIOLATION;

/// As pgwire's: a client has this long to negotiate TLS and authenticate.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// pgwire's limits on a message's length: the longer ones take a statement or its
/// parameters. A length beyond them is refused before it is waited for.
const LONG_MESSAGE: usize = 0x3fff_fffe;
const SHORT_MESSAGE: usize = 10_000;

/// Serves the client on `socket` until it leaves, breaks the protocol, or is refused.
pub async fn serve(socket: TcpStream, tls: Option<TlsAcceptor>, handlers: &impl PgWireServerHandlers) {
    let startup = tokio::time::sleep(STARTUP_TIMEOUT);
    tokio::pin!(startup);
    let negotiated = tokio::select! {
        () = &mut startup => return,
        negotiated = negotiate_tls(socket, tls) => negotiated,
    };
    let Ok(Some(socket)) = negotiated else { return };
    let parts = socket.into_parts();
    // Bytes already read while negotiating are the start of the messages: checked too.
    let before_tls = parts.codec.client_info.is_secure && !parts.read_buf.is_empty();
    let checked =
        Checked { inner: parts.io, pending: parts.read_buf, ready: 0, typed: false, authenticated: false, before_tls };
    let mut checked = FramedParts::new(checked, parts.codec);
    checked.write_buf = parts.write_buf;
    let mut socket = Framed::from_parts(checked);
    let (authenticator, queries, statements) =
        (handlers.startup_handler(), handlers.simple_query_handler(), handlers.extended_query_handler());
    let (copies, cancels) = (handlers.copy_handler(), handlers.cancel_handler());
    let fatal = loop {
        if matches!(socket.state(), PgWireConnectionState::ReadyForQuery) {
            socket.get_mut().authenticated = true;
        }
        let message = match socket.state() {
            PgWireConnectionState::AwaitingStartup | PgWireConnectionState::AuthenticationInProgress => {
                tokio::select! {
                    () = &mut startup => return,
                    message = socket.next() => message,
                }
            }
            _ => socket.next().await,
        };
        let message = match message {
            None | Some(Ok(PgWireFrontendMessage::Terminate(_))) => return,
            Some(Err(PgWireError::IoError(e))) if e.kind() != io::ErrorKind::InvalidData => return,
            // Bytes that are not the protocol: what follows them cannot be read either.
            Some(Err(e)) => break ErrorInfo::new("FATAL".into(), PROTOCOL_VIOLATION.into(), e.to_string()),
            Some(Ok(message)) => message,
        };
        let extended = match socket.state() {
            PgWireConnectionState::CopyInProgress(extended) => extended,
            _ => message.is_extended_query(),
        };
        let handled = process_message(
            message,
            &mut socket,
            authenticator.clone(),
            queries.clone(),
            statements.clone(),
            copies.clone(),
            cancels.clone(),
        )
        .await;
        if let Err(e) = handled {
            let error = ErrorInfo::from(e);
            if error.is_fatal() {
                break error;
            }
            if process_error(&mut socket, PgWireError::UserError(Box::new(error)), extended).await.is_err() {
                return;
            }
        }
    };
    // A refused user name is the client's own text: kept to one line.
    let message = fatal.message.replace(char::is_control, "?");
    eprintln!("serve: {}: connection closed: {message} ({})", socket.socket_addr(), fatal.code);
    // The client may be gone already; nothing is left to tell it then.
    let _ = socket.send(PgWireBackendMessage::ErrorResponse(fatal.into())).await;
    let _ = socket.close().await;
}

/// The client's side of the connection, let through to pgwire a whole message at a time,
/// once every field pgwire's decoder reads is found inside the message.
struct Checked<S> {
    inner: S,
    /// Read from the client, not yet taken by pgwire.
    pending: BytesMut,
    /// How many of `pending`'s first bytes are checked.
    ready: usize,
    /// Past the startup packet (or cancel request), each message starts with its type.
    typed: bool,
    /// Authenticated: only then may a message be long (a statement, its parameters, COPY
    /// data). Before, every message is short, so that nobody unknown can make the server
    /// hold a gigabyte while it waits for the rest.
    authenticated: bool,
    /// Bytes came before the TLS handshake: sent in plain text, so anyone on the way could
    /// have sent them (CVE-2021-23214 in Postgres). pgwire would take them as the client's.
    before_tls: bool,
}

impl<S: AsyncRead + Unpin> AsyncRead for Checked<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.before_tls {
            let refused = "received unencrypted data after SSL request";
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, refused)));
        }
        while this.ready == 0 {
            match next_message(&this.pending, this.typed, this.authenticated) {
                Ok(Some(length)) => (this.ready, this.typed) = (length, true),
                Err(violation) => return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, violation))),
                Ok(None) => {
                    let mut chunk = [0; 8192];
                    let mut read = ReadBuf::new(&mut chunk);
                    ready!(Pin::new(&mut this.inner).poll_read(cx, &mut read))?;
                    if read.filled().is_empty() {
                        // The client is gone; a message it left unfinished goes with it.
                        return Poll::Ready(Ok(()));
                    }
                    this.pending.extend_from_slice(read.filled());
                }
            }
        }
        let taken = this.ready.min(buf.remaining());
        buf.put_slice(&this.pending.split_to(taken));
        this.ready -= taken;
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Checked<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// The length of the message `pending` starts with, once all of it is there; an error if
/// pgwire could not decode it safely. Untyped, it is the startup packet or a cancel
/// request, which pgwire decodes within their length.
fn next_message(pending: &[u8], typed: bool, authenticated: bool) -> Result<Option<usize>, String> {
    let (kind, header) = match pending {
        [kind, a, b, c, d, ..] if typed => (Some(*kind), [*a, *b, *c, *d]),
        [a, b, c, d, ..] if !typed => (None, [*a, *b, *c, *d]),
        _ => return Ok(None),
    };
    let name = match kind {
        Some(kind) => name(kind).ok_or_else(|| format!("invalid frontend message type {kind}"))?,
        None => "startup",
    };
    let (least, most) = match kind {
        Some(b'Q' | b'P' | b'B' | b'd') if authenticated => (4, LONG_MESSAGE),
        Some(_) => (4, SHORT_MESSAGE),
        None => (8, SHORT_MESSAGE),
    };
    let length = i32::from_be_bytes(header);
    let Some(length) = usize::try_from(length).ok().filter(|length| (least..=most).contains(length)) else {
        return Err(format!("invalid length {length} of a {name} message"));
    };
    let start = usize::from(typed);
    let Some(body) = pending.get(start + 4..start + length) else { return Ok(None) };
    match kind {
        Some(kind) if fields(kind, &mut Fields(body)).is_none() => Err(format!("invalid {name} message")),
        _ => Ok(Some(start + length)),
    }
}

/// The frontend messages pgwire decodes.
fn name(kind: u8) -> Option<&'static str> {
    Some(match kind {
        b'p' => "password",
        b'Q' => "Query",
        b'P' => "Parse",
        b'B' => "Bind",
        b'C' => "Close",
        b'D' => "Describe",
        b'E' => "Execute",
        b'H' => "Flush",
        b'S' => "Sync",
        b'X' => "Terminate",
        b'd' => "CopyData",
        b'c' => "CopyDone",
        b'f' => "CopyFail",
        _ => return None,
    })
}

/// Reads the fields of a message of type `kind` from its body, as the protocol lays them
/// out: None if the body ends before them or goes on after them. A password message
/// (checked by SCRAM, which knows which one it is) and copy data are read whole.
fn fields(kind: u8, body: &mut Fields) -> Option<()> {
    match kind {
        b'Q' | b'f' => body.string()?,
        b'P' => {
            body.string()?;
            body.string()?;
            body.counted(4)?;
        }
        b'B' => {
            body.string()?;
            body.string()?;
            body.counted(2)?;
            for _ in 0..body.count()? {
                match i32::from_be_bytes(body.take()?) {
                    -1 => {}
                    length => {
                        body.skip(usize::try_from(length).ok()?)?;
                    }
                }
            }
            body.counted(2)?;
        }
        b'C' | b'D' => {
            body.skip(1)?;
            body.string()?;
        }
        b'E' => {
            body.string()?;
            body.take::<4>()?;
        }
        b'p' | b'd' => return Some(()),
        _ => {}
    }
    body.0.is_empty().then_some(())
}

/// What is left of a message's body to read.
struct Fields<'a>(&'a [u8]);

impl Fields<'_> {
    fn skip(&mut self, n: usize) -> Option<()> {
        self.0 = self.0.get(n..)?;
        Some(())
    }

    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (taken, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*taken)
    }

    /// A string and the NUL that ends it.
    fn string(&mut self) -> Option<()> {
        let end = self.0.iter().position(|&b| b == 0)?;
        self.skip(end + 1)
    }

    fn count(&mut self) -> Option<u16> {
        self.take().map(u16::from_be_bytes)
    }

    /// A count, then that many fields of `size` bytes.
    fn counted(&mut self, size: usize) -> Option<()> {
        let count = usize::from(self.count()?);
        self.skip(count * size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(kind: u8, body: &[u8]) -> Vec<u8> {
        [&[kind][..], &(body.len() as i32 + 4).to_be_bytes(), body].concat()
    }

    #[test]
    fn a_message_is_let_through_once_whole_and_well_formed() {
        let bind = message(b'B', b"\0\0\0\x01\0\x01\0\x01\0\0\0\x02ab\0\0");
        for end in 0..bind.len() {
            assert_eq!(next_message(&bind[..end], true, true), Ok(None), "{end} bytes");
        }
        let two = [&bind[..], &message(b'S', b"")].concat();
        assert_eq!(next_message(&two, true, true), Ok(Some(bind.len())));
        let startup = [&12i32.to_be_bytes()[..], &0x0003_0000i32.to_be_bytes(), b"\0\0\0\0"].concat();
        assert_eq!(next_message(&startup, false, false), Ok(Some(12)));
    }

    #[test]
    fn fields_past_the_end_or_after_it_are_refused() {
        for (kind, body) in [
            (b'B', &b"\0\0\0\0\0\x01\0\0\0\x64abc"[..]),
            (b'B', b"\0\0\0\x03"),
            (b'B', b"\0\0\0\0\0\x01\xff\xff\xff\xfe\0\0"),
            (b'P', b"\0SELECT 1\0"),
            (b'P', b"\0SELECT 1\0\0\x01"),
            (b'D', b""),
            (b'C', b"S"),
            (b'E', b"\0"),
            (b'Q', b"SELECT 1"),
            (b'Q', b"SELECT 1\0\0"),
            (b'S', b"x"),
        ] {
            let refused = next_message(&message(kind, body), true, true);
            assert!(refused.is_err(), "{}: {body:?}: {refused:?}", char::from(kind));
        }
        for bytes in [&b"p\0\0\0\0"[..], b"d\0\0\0\x03", b"Q\xff\xff\xff\xff", b"E\0\0\x27\x15", b"z\0\0\0\x04"] {
            assert!(next_message(bytes, true, true).is_err(), "{bytes:?}");
        }
        assert!(next_message(&4i32.to_be_bytes(), false, false).is_err());
    }

    #[test]
    fn before_authentication_every_message_is_short() {
        let long = [&b"Q"[..], &20_000i32.to_be_bytes()].concat();
        assert!(next_message(&long, true, false).is_err());
        assert_eq!(next_message(&long, true, true), Ok(None), "waited for once authenticated");
    }
}
