//! Baton's reference server.
//!
//! Layers, outermost first: [`http`] and the two socket endpoints
//! ([`visitor_ws`], [`operator_ws`]) turn bytes into protocol frames; the
//! [`hub`] performs what the protocol's handover engine decides; the
//! [`store`] makes it durable. [`app`] builds the router from a state, and
//! [`serve`] runs it on a listener the caller bound (tests bind port 0).

pub mod api;
pub mod assets;
pub mod auth;
pub mod bot;
pub mod bus;
pub mod cli;
pub mod clock;
pub mod config;
pub mod conn;
pub mod http;
pub mod hub;
pub mod limits;
pub mod metrics;
pub mod notify;
pub mod operator_ws;
pub mod outbox;
pub mod rows;
pub mod settings;
pub mod socket;
pub mod store;
pub mod team;
pub mod visitor_ws;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::{any, get, patch, post};
use baton_protocol::OperatorId;
use hub::Hub;
use std::path::PathBuf;
use std::sync::Arc;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// The policy every page Baton serves runs under, the demo shop included:
/// the widget and inbox need nothing inline, and WebAssembly needs only
/// `'wasm-unsafe-eval'`. Sites embedding the widget need the same sources.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     frame-ancestors 'none'; form-action 'self'";

#[derive(Clone, Debug)]
pub struct AppState {
    pub hub: Arc<Hub>,
    /// Built widget and inbox assets.
    pub web_dir: PathBuf,
    /// The demo site.
    pub site_dir: PathBuf,
    /// An argon2 hash of nothing in particular, verified against when a
    /// sign-in names an unknown email, so timing does not reveal accounts.
    pub dummy_hash: Arc<String>,
    /// Failed sign-ins per address, per address and email, and per email
    /// (`limits::SignInLimits`).
    pub logins: Arc<limits::SignInLimits>,
    /// New visitor conversations per client address a minute (the bound is
    /// `limits.per_ip`'s, given at each check).
    pub new_conversations: Arc<limits::RateLimiter>,
    /// Reverse proxies whose `X-Forwarded-For` names the client
    /// (`conn::client_ip`); empty: the peer is the client.
    pub trusted_proxies: Arc<[std::net::IpAddr]>,
    /// The server's public URL (`public_url` in the config): the session
    /// cookie is `Secure` when it is `https://`.
    pub public_url: String,
    /// Suggest requests per operator.
    pub suggests: Arc<limits::RateLimiter>,
    /// The header a trusted reverse proxy sets to the visitor's country
    /// (e.g. `CF-IPCountry`). Unset: only the browser's locale, as a hint.
    pub country_header: Option<axum::http::HeaderName>,
    /// Knowledge bases by bot, for operators' Suggest.
    pub knowledge: Arc<std::collections::HashMap<baton_protocol::BotId, Arc<bot::faq::KnowledgeBase>>>,
    /// The translation endpoint, if configured.
    pub translate: Option<Arc<notify::TranslateConfig>>,
    /// Frames per second per socket.
    pub limits: socket::FrameLimits,
    /// The Notification center's deliveries (its test button); `None`:
    /// notifications are not running.
    pub notify: Option<Arc<notify::Center>>,
    /// Set once the shutdown signal came (`conn::serve`): `/healthz`
    /// answers `503 draining` from then on, so a load balancer sends
    /// nobody here.
    pub draining: Arc<std::sync::atomic::AtomicBool>,
}

impl AppState {
    pub fn new(hub: Arc<Hub>, web_dir: PathBuf, site_dir: PathBuf) -> AppState {
        AppState {
            hub,
            web_dir,
            site_dir,
            dummy_hash: Arc::new(auth::hash_password(&auth::new_secret())),
            logins: Arc::default(),
            new_conversations: Arc::new(limits::RateLimiter::new(0, std::time::Duration::from_secs(60))),
            trusted_proxies: Arc::new([]),
            public_url: String::new(),
            suggests: Arc::new(limits::suggest_limiter()),
            country_header: None,
            knowledge: Arc::default(),
            translate: None,
            notify: None,
            limits: Default::default(),
            draining: Arc::default(),
        }
    }

    /// Whether the process is draining (see [`AppState::draining`]).
    pub fn is_draining(&self) -> bool {
        self.draining.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The client's address for a request from `peer` (`conn::client_ip`).
    pub fn client_ip(&self, peer: std::net::SocketAddr, headers: &axum::http::HeaderMap) -> std::net::IpAddr {
        conn::client_ip(peer.ip(), headers, &self.trusted_proxies)
    }

    /// The session cookie's attributes: `Secure` whenever the public URL is
    /// https, so the browser never sends it in clear; not on http, so the
    /// demo works on `http://127.0.0.1`.
    pub fn cookie_attributes(&self) -> &'static str {
        if self.public_url.trim().to_ascii_lowercase().starts_with("https://") {
            "HttpOnly; Secure; SameSite=Strict; Path=/"
        } else {
            "HttpOnly; SameSite=Strict; Path=/"
        }
    }

    /// The operator a request's session cookie or bearer token belongs to.
    pub fn operator_from(&self, headers: &axum::http::HeaderMap) -> Option<OperatorId> {
        let token = auth::session_token(headers)?;
        self.hub
            .store()
            .session_operator(&auth::secret_hash(&token), crate::clock::now())
            .ok()
            .flatten()
    }
}

pub fn app(state: AppState) -> Router {
    let statics = Router::<AppState>::new()
        .nest_service("/widget", assets::widget(&state.web_dir.join("widget")))
        .nest_service("/inbox", assets::inbox(&state.web_dir.join("inbox")))
        .layer(axum::middleware::from_fn(assets::headers));
    Router::new()
        .route("/healthz", get(http::healthz))
        .route("/metrics", get(http::metrics))
        .route("/api/login", post(http::login))
        .route("/api/logout", post(http::logout))
        .route("/api/me", get(team::me).patch(team::edit_me))
        .route("/api/me/password", post(team::change_my_password))
        .route("/api/team", get(team::list).post(team::add))
        .route("/api/team/{id}", patch(team::edit))
        .route("/api/team/{id}/password", post(team::reset_password))
        .route("/api/team/{id}/deactivate", post(team::deactivate))
        .route("/api/team/{id}/activate", post(team::activate))
        .route("/api/translate", post(http::translate))
        .route("/api/conversations", get(http::conversations))
        .route("/api/conversations/{id}/suggest", post(http::suggest))
        .route("/ws/visitor", any(visitor_ws::upgrade))
        .route("/ws/operator", any(operator_ws::upgrade))
        .merge(settings::routes())
        .merge(statics)
        .fallback_service(ServeDir::new(&state.site_dir))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            |response: &axum::response::Response| {
                (!assets::never_a_document(response.headers()))
                    .then_some(HeaderValue::from_static(CONTENT_SECURITY_POLICY))
            },
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        // A body trickled in byte by byte ends the request (`400`); the
        // headers' timeout is the connection's (`conn`).
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            std::time::Duration::from_secs(state.limits.http.body_secs.max(1)),
        ))
        .with_state(state)
}

/// Serves until `shutdown` resolves, then drains: stops accepting, tells
/// every client to go and lets open requests and the store writer finish,
/// within [`conn::DRAIN_LIMIT`] (see [`conn::serve`] for the per-address
/// limits).
pub use conn::serve;

/// How long clients wait before reconnecting after `going_away` (spread up
/// to twice it, one connection to the next: `hub::GOING_AWAY_STEPS`).
pub const GOING_AWAY_RETRY: baton_protocol::Millis = baton_protocol::Millis(1_000);
