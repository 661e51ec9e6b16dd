//! A minimal loopback HTTP/1.1 server with fixed answers, on a thread of its own: the documented
//! profile (200) for `GET`, `POST` and `PATCH`, `204 No Content` for `DELETE`. It keeps
//! connections alive and does nothing else, so the client dominates what is measured.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::PROFILE_RESPONSE;

/// A running server; it stops with the process.
#[derive(Debug)]
pub struct FixedServer {
    addr: SocketAddr,
}

impl FixedServer {
    /// Starts the server on `127.0.0.1` on a port the system picks.
    pub fn start() -> std::io::Result<Self> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        std::thread::Builder::new()
            .name("fixed-server".into())
            .spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async move {
                    let Ok(listener) = TcpListener::from_std(listener) else {
                        return;
                    };
                    while let Ok((socket, _)) = listener.accept().await {
                        let _ = socket.set_nodelay(true);
                        tokio::spawn(serve(socket));
                    }
                });
            })?;
        Ok(Self { addr })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

fn answers() -> (Vec<u8>, Vec<u8>) {
    let mut ok = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
         request-id: 758f01dfd9e74ccfbabb4934241c4966\r\ncontent-length: {}\r\n\r\n",
        PROFILE_RESPONSE.len()
    )
    .into_bytes();
    ok.extend_from_slice(PROFILE_RESPONSE);
    let deleted =
        b"HTTP/1.1 204 No Content\r\nrequest-id: 758f01dfd9e74ccfbabb4934241c4966\r\n\r\n".to_vec();
    (ok, deleted)
}

/// Serves one connection until the client closes it.
async fn serve(mut socket: TcpStream) {
    let (ok, deleted) = answers();
    let mut buffer: Vec<u8> = Vec::with_capacity(8 * 1024);
    let mut chunk = [0u8; 8 * 1024];
    loop {
        // Read one request: its head, then `content-length` bytes of body.
        let (head_end, length, is_delete) = loop {
            if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                break (end + 4, length, head.starts_with("delete "));
            }
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        };
        while buffer.len() < head_end + length {
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
        buffer.drain(..head_end + length);
        let answer = if is_delete { &deleted } else { &ok };
        if socket.write_all(answer).await.is_err() {
            return;
        }
    }
}
