//! Load generator for `/ws` (used by `bench/run.sh`): connects many clients to a running
//! frontend, then measures for a while how each client receives the event stream.
//!
//! Delivery lag of an event = receive time − the time in its stream id (Redis stamps ids with
//! its clock when the sim appends; same machine, same clock). Every client must receive every
//! event of the measuring window: the report counts clients that missed one. Bytes received
//! are the WebSocket payload bytes of text and binary messages received in the window (frame
//! headers, TCP and IP are not counted), averaged per client and second.
//!
//! `cargo run --release -p sector-frontend --example ws_load -- ws://127.0.0.1:9000/ws 2000 30 [PID]
//! [--protocol original|lean|deflate]` (URL, clients, seconds, optional frontend pid for its
//! memory; the subprotocol to ask for: none, `sector.lean.v1` or `sector.lean.deflate.v1`).

use std::collections::BTreeSet;
use std::io::Read;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

struct ClientReport {
    lags_ms: Vec<u64>,
    ids: BTreeSet<(u64, u64)>,
    resyncs: usize,
    failed: Option<String>,
    /// Payload bytes and messages received in the window.
    bytes: u64,
    messages: u64,
}

/// The subprotocol a `--protocol` name asks for.
fn subprotocol(name: &str) -> Result<Option<&'static str>, String> {
    match name {
        "original" => Ok(None),
        "lean" => Ok(Some("sector.lean.v1")),
        "deflate" => Ok(Some("sector.lean.deflate.v1")),
        other => Err(format!("--protocol {other}: expected original, lean or deflate")),
    }
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().collect();
    let usage =
        "usage: ws_load <ws-url> <clients> <seconds> [frontend-pid] [--protocol original|lean|deflate]";
    let protocol = match args.iter().position(|a| a == "--protocol") {
        Some(at) => {
            let name = args.get(at + 1).ok_or(usage)?.clone();
            args.drain(at..at + 2);
            name
        }
        None => "original".to_owned(),
    };
    let offered = subprotocol(&protocol)?;
    let url = args.get(1).ok_or(usage)?.clone();
    let clients: usize = args.get(2).ok_or(usage)?.parse()?;
    let seconds: u64 = args.get(3).ok_or(usage)?.parse()?;
    let pid: Option<u32> = args.get(4).map(|p| p.parse()).transpose()?;

    let rss_before = pid.and_then(rss_kib);
    let mut connections = Vec::with_capacity(clients);
    for i in 0..clients {
        let mut request = url.as_str().into_client_request()?;
        if let Some(offered) = offered {
            request.headers_mut().insert("sec-websocket-protocol", HeaderValue::from_static(offered));
        }
        let (client, response) = tokio_tungstenite::connect_async(request)
            .await
            .map_err(|e| format!("client {i} could not connect: {e}"))?;
        let agreed = response.headers().get("sec-websocket-protocol").and_then(|v| v.to_str().ok());
        if agreed != offered {
            return Err(format!("client {i}: asked for {offered:?}, the server agreed to {agreed:?}").into());
        }
        connections.push(client);
    }
    // Idle clients: let the frontend settle, then read its memory.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_connected = pid.and_then(rss_kib);
    println!("connected {clients} clients ({protocol} protocol)");

    // Measure from a common start, on whole seconds of the stream clock.
    let start_ms = now_ms() + 1000;
    let end_ms = start_ms + seconds * 1000;
    let mut tasks = Vec::with_capacity(clients);
    for mut client in connections {
        tasks.push(tokio::spawn(async move {
            let mut report = ClientReport {
                lags_ms: Vec::new(),
                ids: BTreeSet::new(),
                resyncs: 0,
                failed: None,
                bytes: 0,
                messages: 0,
            };
            let deadline = tokio::time::Instant::now() + Duration::from_millis(end_ms - now_ms() + 1500);
            loop {
                let message = match tokio::time::timeout_at(deadline, client.next()).await {
                    Err(_) => break,
                    Ok(None) => {
                        report.failed = Some("closed by the server".into());
                        break;
                    }
                    Ok(Some(Err(e))) => {
                        report.failed = Some(e.to_string());
                        break;
                    }
                    Ok(Some(Ok(message))) => message,
                };
                let received = now_ms();
                let mut inflated = String::new();
                let (text, size) = match &message {
                    Message::Text(text) => (text.as_str(), text.len()),
                    Message::Binary(data) => {
                        if let Err(e) =
                            flate2::read::DeflateDecoder::new(&data[..]).read_to_string(&mut inflated)
                        {
                            report.failed = Some(format!("a binary message does not inflate: {e}"));
                            break;
                        }
                        (inflated.as_str(), data.len())
                    }
                    _ => continue,
                };
                if received >= start_ms && received < end_ms {
                    report.bytes += size as u64;
                    report.messages += 1;
                }
                // The frontend appends `event_id` (and `resync`) last; finding them by text keeps
                // this client cheap enough not to be the bottleneck it measures.
                if text.ends_with("\"resync\":true}") {
                    report.resyncs += 1;
                }
                let Some(id) =
                    text.rsplit_once("\"event_id\":\"").and_then(|(_, rest)| rest.split('"').next())
                else {
                    continue;
                };
                let Some((ms, seq)) = id.split_once('-') else { continue };
                let (Ok(ms), Ok(seq)) = (ms.parse::<u64>(), seq.parse::<u64>()) else { continue };
                let is_event = text.starts_with("{\"type\"") || text.contains("\"type\":\"");
                if ms >= start_ms && ms < end_ms && is_event {
                    report.ids.insert((ms, seq));
                    report.lags_ms.push(received.saturating_sub(ms));
                }
            }
            let _ = client.close(None).await;
            report
        }));
    }
    let mut reports = Vec::with_capacity(clients);
    for task in tasks {
        reports.push(task.await?);
    }

    let all_ids: BTreeSet<(u64, u64)> = reports.iter().flat_map(|r| r.ids.iter().copied()).collect();
    let missed = reports.iter().filter(|r| r.ids.len() < all_ids.len()).count();
    let failed = reports.iter().filter(|r| r.failed.is_some()).count();
    let resyncs: usize = reports.iter().map(|r| r.resyncs).sum();
    let mut lags: Vec<u64> = reports.iter().flat_map(|r| r.lags_ms.iter().copied()).collect();
    lags.sort_unstable();
    println!("events in window:        {} over {seconds} s", all_ids.len());
    println!("deliveries measured:     {}", lags.len());
    println!("clients missing events:  {missed}");
    println!("clients failed:          {failed}");
    println!("resyncs:                 {resyncs}");
    let bytes: u64 = reports.iter().map(|r| r.bytes).sum();
    let messages: u64 = reports.iter().map(|r| r.messages).sum();
    let per_client_second = bytes as f64 / clients as f64 / seconds as f64;
    println!(
        "payload per client:      {:.2} KB/s ({:.1} messages/s, {:.0} bytes per message)",
        per_client_second / 1000.0,
        messages as f64 / clients as f64 / seconds as f64,
        if messages > 0 { bytes as f64 / messages as f64 } else { 0.0 }
    );
    println!(
        "delivery lag ms:         p50 {}  p90 {}  p99 {}  max {}",
        percentile(&lags, 50.0),
        percentile(&lags, 90.0),
        percentile(&lags, 99.0),
        lags.last().copied().unwrap_or(0)
    );
    if let (Some(before), Some(after)) = (rss_before, rss_connected) {
        let per_client = (after.saturating_sub(before) as f64) / clients as f64;
        println!(
            "frontend RSS KiB:        {before} before, {after} with {clients} idle clients ({per_client:.1} KiB per client)"
        );
    }
    if missed > 0 || failed > 0 {
        return Err(format!("{missed} clients missed events, {failed} failed").into());
    }
    Ok(())
}
