//! A layer on the client's call stack that shows a spinner, on a terminal,
//! for any call still waiting after a second, saying what it waits for.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use zenoo_rpc::{BoxService, Call, ClientBuilder};

/// How long a call runs before the spinner shows.
const AFTER: Duration = Duration::from_secs(1);

/// `builder` with the spinner layer when stderr is a terminal.
pub fn add(builder: ClientBuilder) -> ClientBuilder {
    if !std::io::stderr().is_terminal() {
        return builder;
    }
    builder.layer(tower::layer::layer_fn(|inner: BoxService| {
        tower::service_fn(move |call: Call| {
            let mut inner = inner.clone();
            async move {
                let label = call.label().to_string();
                let work = tower::Service::call(&mut inner, call);
                tokio::pin!(work);
                tokio::select! {
                    done = &mut work => return done,
                    () = tokio::time::sleep(AFTER) => {}
                }
                let bar = ProgressBar::new_spinner().with_message(format!("waiting for {label}"));
                if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
                    bar.set_style(style);
                }
                bar.enable_steady_tick(Duration::from_millis(120));
                let done = work.await;
                bar.finish_and_clear();
                done
            }
        })
    }))
}
