//! Load generator for `/ws` (used by `bench/run.sh`): connects many clients to a running
//! frontend, then measures for a while how each client receives the event stream.
//!
//! Delivery lag of an event = receive time − the time in its stream id (Redis stamps ids with
//! its clock when the sim appends; same machine, same clock). Every client must receive every
//! event of the measuring window: the report counts clients that missed one.
//!
//! `cargo run --release -p sector-frontend --example ws_load -- ws://127.0.0.1:9000/ws 2000 30 [PID]`
//! (URL, clients, seconds, optional frontend pid for its memory).

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message;

struct ClientReport {
    lags_ms: Vec<u64>,
    ids: BTreeSet<(u64, u64)>,
    resyncs: usize,
    failed: Option<String>,
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
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: ws_load <ws-url> <clients> <seconds> [frontend-pid]";
    let url = args.get(1).ok_or(usage)?.clone();
    let clients: usize = args.get(2).ok_or(usage)?.parse()?;
    let seconds: u64 = args.get(3).ok_or(usage)?.parse()?;
    let pid: Option<u32> = args.get(4).map(|p| p.parse()).transpose()?;

    let rss_before = pid.and_then(rss_kib);
    let mut connections = Vec::with_capacity(clients);
    for i in 0..clients {
        let (client, _) = tokio_tungstenite::connect_async(url.as_str())
            .await
            .map_err(|e| format!("client {i} could not connect: {e}"))?;
        connections.push(client);
    }
    // Idle clients: let the frontend settle, then read its memory.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_connected = pid.and_then(rss_kib);
    println!("connected {clients} clients");

    // Measure from a common start, on whole seconds of the stream clock.
    let start_ms = now_ms() + 1000;
    let end_ms = start_ms + seconds * 1000;
    let mut tasks = Vec::with_capacity(clients);
    for mut client in connections {
        tasks.push(tokio::spawn(async move {
            let mut report =
                ClientReport { lags_ms: Vec::new(), ids: BTreeSet::new(), resyncs: 0, failed: None };
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
                let Message::Text(text) = message else { continue };
                let received = now_ms();
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
