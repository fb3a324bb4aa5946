//! The routes ([`router`]) and a server for them ([`spawn`]): HTTP, and the
//! same app over HTTPS with a self-signed certificate when asked (as MYPAY
//! is reached over https).

use crate::app::App;
use crate::config::Settings;
use crate::error::Error;
use crate::{admin, agent, guard, page};
use axum::routing::{get, post};
use axum::Router;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How long [`Running::shutdown`] lets open requests finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The routes: the agent API behind the firewall emulation, the payment
/// page, the automation API.
pub fn router(app: Arc<App>) -> Router {
    let api = Router::new()
        .route("/api/agent", post(agent::agent).fallback(agent::not_post))
        .route_layer(axum::middleware::from_fn_with_state(
            app.clone(),
            agent::firewall,
        ));
    let page = Router::new()
        .route("/payment/{file}", get(page::show).post(page::submit))
        .route_layer(axum::middleware::from_fn(guard::page_forms));
    let automation = Router::new()
        .route("/sandbox", get(admin::index))
        .route("/sandbox/orders", get(admin::list_orders))
        .route("/sandbox/orders/{uid}", get(admin::get_order))
        .route("/sandbox/orders/{uid}/pay", post(admin::pay))
        .route("/sandbox/orders/{uid}/settle", post(admin::settle))
        .route("/sandbox/orders/{uid}/abandon", post(admin::abandon))
        .route("/sandbox/orders/{uid}/invoice", post(admin::invoice_date))
        .route("/sandbox/orders/{uid}/notify", post(admin::renotify))
        .route("/sandbox/orders/{uid}/cancel", post(admin::cancel))
        .route("/sandbox/orders/{uid}/refund", post(admin::refund))
        .route(
            "/sandbox/orders/{uid}/refund/complete",
            post(admin::complete_refund),
        )
        .route(
            "/sandbox/clock",
            get(admin::get_clock).put(admin::put_clock),
        )
        .route("/sandbox/clock/advance", post(admin::advance_clock))
        .route("/sandbox/notifications", get(admin::notifications))
        .route("/sandbox/requests", get(admin::requests))
        .route(
            "/sandbox/config",
            get(admin::get_config).put(admin::put_config),
        )
        .route(
            "/sandbox/faults",
            get(admin::get_faults)
                .put(admin::put_faults)
                .delete(admin::delete_faults),
        )
        .route("/sandbox/reset", post(admin::reset))
        .route_layer(axum::middleware::from_fn(guard::automation));
    Router::new()
        .merge(api)
        .route("/", get(page::index))
        .merge(page)
        .merge(automation)
        .with_state(app)
}

/// Where a sandbox listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listen {
    /// Address to listen on.
    pub host: String,
    /// HTTP port (0: any free port).
    pub port: u16,
    /// Also serve HTTPS with a self-signed certificate on this port (0: any
    /// free port).
    pub tls_port: Option<u16>,
}

impl Listen {
    /// HTTP on a free port of 127.0.0.1 (for tests).
    pub fn local() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 0,
            tls_port: None,
        }
    }

    /// Also HTTPS on `port` (0: any free port).
    pub fn with_tls(mut self, port: u16) -> Self {
        self.tls_port = Some(port);
        self
    }
}

/// A sandbox serving in the background of the current tokio runtime. It
/// stops on [`Running::shutdown`], or when dropped.
pub struct Running {
    app: Arc<App>,
    http: SocketAddr,
    https: Option<SocketAddr>,
    stop: watch::Sender<bool>,
    tls: Option<axum_server::Handle>,
    http_task: Option<ServerTask>,
    https_task: Option<ServerTask>,
}

impl Running {
    /// The sandbox being served.
    pub fn app(&self) -> &Arc<App> {
        &self.app
    }

    /// The HTTP address (127.0.0.1 when listening on every address).
    pub fn http_addr(&self) -> SocketAddr {
        self.http
    }

    /// The HTTPS address, when there is one.
    pub fn https_addr(&self) -> Option<SocketAddr> {
        self.https
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.http)
    }

    /// `https://127.0.0.1:PORT`, when there is one.
    pub fn https_url(&self) -> Option<String> {
        self.https.map(|a| format!("https://{a}"))
    }

    /// Serves until a listener fails (it never stops on its own otherwise).
    pub async fn wait(mut self) -> Result<(), Error> {
        let http = self.http_task.take();
        let https = self.https_task.take();
        let (server, ended) = tokio::select! {
            r = finished(http) => ("HTTP", r),
            r = finished(https) => ("HTTPS", r),
        };
        match ended {
            Ok(Ok(())) => Ok(()),
            Ok(Err(source)) => Err(Error::Server { server, source }),
            Err(join) => Err(Error::Server {
                server,
                source: std::io::Error::other(join.to_string()),
            }),
        }
    }

    /// Stops taking connections, lets open requests finish (a few seconds
    /// at most) and returns.
    pub async fn shutdown(mut self) {
        self.signal_stop();
        for task in [self.http_task.take(), self.https_task.take()]
            .into_iter()
            .flatten()
        {
            let abort = task.abort_handle();
            if tokio::time::timeout(SHUTDOWN_GRACE, task).await.is_err() {
                abort.abort();
            }
        }
    }

    fn signal_stop(&self) {
        let _ = self.stop.send(true);
        if let Some(h) = &self.tls {
            h.graceful_shutdown(Some(SHUTDOWN_GRACE));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.signal_stop();
    }
}

type ServerTask = JoinHandle<std::io::Result<()>>;

/// The end of a server task; never, without one.
async fn finished(task: Option<ServerTask>) -> Result<std::io::Result<()>, tokio::task::JoinError> {
    match task {
        Some(t) => t.await,
        None => std::future::pending().await,
    }
}

fn shown_addr(addr: SocketAddr) -> SocketAddr {
    if addr.ip().is_unspecified() {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
    } else {
        addr
    }
}

/// Starts a sandbox with these settings on these addresses, in the current
/// tokio runtime. Payment pages link to the HTTP address unless
/// `settings.public_url` says otherwise.
pub async fn spawn(mut settings: Settings, listen: &Listen) -> Result<Running, Error> {
    let host = listen.host.as_str();
    let http = tokio::net::TcpListener::bind((host, listen.port))
        .await
        .map_err(|source| Error::Listen {
            addr: format!("{host}:{}", listen.port),
            source,
        })?;
    let http_addr = shown_addr(http.local_addr().map_err(|source| Error::Listen {
        addr: format!("{host}:{}", listen.port),
        source,
    })?);
    let tls_listener = match listen.tls_port {
        Some(p) => {
            let bind = |source| Error::Listen {
                addr: format!("{host}:{p}"),
                source,
            };
            let l = std::net::TcpListener::bind((host, p)).map_err(bind)?;
            l.set_nonblocking(true).map_err(bind)?;
            let addr = l.local_addr().map_err(bind)?;
            Some((l, shown_addr(addr)))
        }
        None => None,
    };
    if settings.public_url.is_none() {
        settings.public_url = Some(format!("http://{http_addr}"));
    }
    let app = App::new(settings)?;
    let routes = router(app.clone());
    let (stop, mut stopped) = watch::channel(false);

    let (mut tls, mut https, mut https_task) = (None, None, None);
    if let Some((listener, addr)) = tls_listener {
        let config = self_signed(host).await?;
        let handle = axum_server::Handle::new();
        let svc = routes.clone().into_make_service();
        let server = axum_server::from_tcp_rustls(listener, config).handle(handle.clone());
        https_task = Some(tokio::spawn(async move { server.serve(svc).await }));
        tls = Some(handle);
        https = Some(addr);
    }
    let http_task = tokio::spawn(async move {
        axum::serve(http, routes)
            .with_graceful_shutdown(async move {
                let _ = stopped.wait_for(|s| *s).await;
            })
            .await
    });
    Ok(Running {
        app,
        http: http_addr,
        https,
        stop,
        tls,
        http_task: Some(http_task),
        https_task,
    })
}

/// A self-signed certificate for localhost, 127.0.0.1 and `host`.
async fn self_signed(host: &str) -> Result<axum_server::tls_rustls::RustlsConfig, Error> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let names = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        host.to_string(),
    ];
    let ck =
        rcgen::generate_simple_self_signed(names).map_err(|e| Error::Certificate(e.to_string()))?;
    axum_server::tls_rustls::RustlsConfig::from_pem(
        ck.cert.pem().into_bytes(),
        ck.key_pair.serialize_pem().into_bytes(),
    )
    .await
    .map_err(|e| Error::Certificate(e.to_string()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn listen_local_is_any_free_port_of_localhost() {
        let l = Listen::local();
        assert_eq!(
            (l.host.as_str(), l.port, l.tls_port),
            ("127.0.0.1", 0, None)
        );
        assert_eq!(l.with_tls(0).tls_port, Some(0));
    }

    #[test]
    fn the_unspecified_address_is_shown_as_localhost() {
        let any: SocketAddr = "0.0.0.0:8788".parse().unwrap();
        assert_eq!(shown_addr(any).to_string(), "127.0.0.1:8788");
        let one: SocketAddr = "10.0.0.2:8788".parse().unwrap();
        assert_eq!(shown_addr(one), one);
    }

    #[tokio::test]
    async fn spawn_serves_until_shut_down() {
        let sb = spawn(Settings::default(), &Listen::local().with_tls(0))
            .await
            .unwrap();
        assert!(sb.url().starts_with("http://127.0.0.1:"));
        assert!(sb
            .https_url()
            .is_some_and(|u| u.starts_with("https://127.0.0.1:")));
        assert_eq!(
            sb.app().public_url(),
            sb.url(),
            "pages link to the HTTP address"
        );
        let addr = sb.http_addr();
        assert!(tokio::net::TcpStream::connect(addr).await.is_ok());
        sb.shutdown().await;
        assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    }

    #[tokio::test]
    async fn a_taken_port_is_named() {
        let first = spawn(Settings::default(), &Listen::local()).await.unwrap();
        let taken = Listen {
            port: first.http_addr().port(),
            ..Listen::local()
        };
        let e = spawn(Settings::default(), &taken).await.err().unwrap();
        assert!(
            e.to_string().starts_with("cannot listen on 127.0.0.1:"),
            "{e}"
        );
    }
}
