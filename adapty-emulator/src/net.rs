//! A TCP listener whose connections a handler can drop: the [`Fault::DropConnection`] fault
//! closes the connection without writing a byte of the response.
//!
//! [`Fault::DropConnection`]: crate::Fault::DropConnection

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// Accepts TCP connections and wraps each in a [`DroppableStream`] with the request timeout.
pub(crate) struct DroppableListener(pub(crate) TcpListener, pub(crate) Duration);

impl Listener for DroppableListener {
    type Io = DroppableStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok((stream, addr)) => {
                    // Small request/response exchanges: do not wait to coalesce segments.
                    let _ = stream.set_nodelay(true);
                    let stream = DroppableStream {
                        inner: stream,
                        dropped: Arc::new(AtomicBool::new(false)),
                        timeout: self.1,
                        deadline: None,
                    };
                    return (stream, addr);
                }
                // Out of file descriptors or a connection reset before it was accepted: wait a
                // little and go on accepting (what axum's own TCP listener does).
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// A TCP stream that fails every read and write once its connection is marked dropped, which
/// makes the HTTP server close it.
///
/// It also bounds how long a request may take to arrive: when the server waits for bytes, a
/// deadline of `timeout` starts, and only writing an answer clears it. Bytes trickling in do not
/// move it, so a client that sends a head or a body a byte at a time (slowloris), or sends half a
/// request and stops, or keeps an idle connection, is cut off once `timeout` has passed.
pub(crate) struct DroppableStream {
    inner: TcpStream,
    dropped: Arc<AtomicBool>,
    timeout: Duration,
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
}

fn dropped_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "connection dropped by an injected fault",
    )
}

impl DroppableStream {
    fn is_dropped(&self) -> bool {
        self.dropped.load(Ordering::Acquire)
    }
}

impl AsyncRead for DroppableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.is_dropped() {
            return Poll::Ready(Err(dropped_error()));
        }
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Pending => {
                let timeout = self.timeout;
                let deadline = self
                    .deadline
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
                match deadline.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the request did not arrive within the request timeout",
                    ))),
                    Poll::Pending => Poll::Pending,
                }
            }
            ready => ready,
        }
    }
}

impl AsyncWrite for DroppableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.is_dropped() {
            return Poll::Ready(Err(dropped_error()));
        }
        let written = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(written, Poll::Ready(Ok(_))) {
            // An answer is going out: the next request gets a deadline of its own.
            self.deadline = None;
        }
        written
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.is_dropped() {
            return Poll::Ready(Err(dropped_error()));
        }
        let written = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(written, Poll::Ready(Ok(_))) {
            self.deadline = None;
        }
        written
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.is_dropped() {
            return Poll::Ready(Err(dropped_error()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Handed to every request (as `ConnectInfo`): drops the connection the request came on.
#[derive(Clone)]
pub(crate) struct ConnectionHandle(Arc<AtomicBool>);

impl ConnectionHandle {
    /// Marks the connection dropped: its next read or write fails and the server closes it.
    pub(crate) fn drop_connection(&self) {
        self.0.store(true, Ordering::Release);
    }
}

impl Connected<IncomingStream<'_, DroppableListener>> for ConnectionHandle {
    fn connect_info(stream: IncomingStream<'_, DroppableListener>) -> Self {
        ConnectionHandle(stream.io().dropped.clone())
    }
}
