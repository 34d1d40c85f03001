//! What the HTTP-backed bots share: one way to build a client, to post JSON
//! under a deadline, and to describe a failure without leaking anything.

use reqwest::StatusCode;
use serde::Serialize;
use std::fmt;
use std::time::Duration;

/// Builds the client a bot keeps for its lifetime. Redirects are not
/// followed: a redirected POST silently turns into a GET, and a bot endpoint
/// that moves should be reconfigured, not chased.
pub(super) fn client(timeout: Duration) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(timeout)
        .user_agent(concat!("baton-server/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Checks a configured endpoint: absolute, http or https.
pub(super) fn endpoint(url: &str) -> Result<reqwest::Url, String> {
    let parsed = reqwest::Url::parse(url.trim()).map_err(|e| e.to_string())?;
    match parsed.scheme() {
        "http" | "https" if parsed.host().is_some() => Ok(parsed),
        "http" | "https" => Err("no host".into()),
        other => Err(format!("unsupported scheme {other:?} (use http or https)")),
    }
}

/// Why one attempt failed. Its `Display` names the kind of failure and the
/// status only: never the URL (it may carry a token), a key or any text.
#[derive(Debug)]
pub(super) enum Failure {
    Timeout,
    Network,
    Status(StatusCode),
    BadBody(&'static str),
}

impl Failure {
    /// Network errors, timeouts and 5xx may pass; 4xx, redirects and bodies
    /// we cannot read will not.
    pub(super) fn retryable(&self) -> bool {
        match self {
            Failure::Timeout | Failure::Network => true,
            Failure::Status(status) => status.is_server_error(),
            Failure::BadBody(_) => false,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Timeout => f.write_str("timed out"),
            Failure::Network => f.write_str("network error"),
            Failure::Status(status) => write!(f, "HTTP status {}", status.as_u16()),
            Failure::BadBody(why) => write!(f, "bad response body: {why}"),
        }
    }
}

/// POSTs `body` as JSON and returns the 2xx response body, at most `cap`
/// bytes, all within `timeout` (connecting, sending and reading).
pub(super) async fn post_json<T: Serialize + ?Sized>(
    client: &reqwest::Client,
    url: &reqwest::Url,
    body: &T,
    bearer: Option<&str>,
    timeout: Duration,
    cap: usize,
) -> Result<Vec<u8>, Failure> {
    let attempt = async {
        let mut request = client.post(url.clone()).json(body);
        if let Some(key) = bearer {
            // Marks the header sensitive, so it is never printed by `Debug`.
            request = request.bearer_auth(key);
        }
        let mut response = request.send().await.map_err(classify)?;
        let status = response.status();
        if !status.is_success() {
            return Err(Failure::Status(status));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if bytes.len() + chunk.len() > cap {
                return Err(Failure::BadBody("too large"));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    };
    tokio::time::timeout(timeout, attempt)
        .await
        .unwrap_or(Err(Failure::Timeout))
}

fn classify(err: reqwest::Error) -> Failure {
    if err.is_timeout() {
        Failure::Timeout
    } else if err.is_decode() {
        Failure::BadBody("could not read it")
    } else {
        Failure::Network
    }
}
