//! `--help` documents the listening settings of each service.

use std::process::Command;

fn help(args: &[&str]) -> String {
    let out =
        Command::new(env!("CARGO_BIN_EXE_sector")).args(args).arg("--help").output().expect("run sector");
    assert!(out.status.success(), "{args:?} --help failed: {}", String::from_utf8_lossy(&out.stderr));
    // Help text is wrapped to the terminal: compare on single spaces.
    String::from_utf8(out.stdout).expect("UTF-8 help").split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn services_document_their_port_and_bind_address() {
    let sim = help(&["sim"]);
    assert!(sim.contains("`SIM_HTTP_PORT` (default 9300"), "{sim}");
    assert!(sim.contains("`BIND_ADDRESS` (default 0.0.0.0)"), "{sim}");
    for (service, port) in [("api", "(8000)"), ("frontend", "(9000)")] {
        let text = help(&[service]);
        assert!(
            text.contains("`BIND_ADDRESS` (default 0.0.0.0)") && text.contains(port),
            "{service}: {text}"
        );
    }
}

#[test]
fn dev_documents_host_and_bot_token() {
    let dev = help(&["dev"]);
    assert!(dev.contains("--host <HOST>"), "{dev}");
    assert!(dev.contains("[default: 127.0.0.1]"), "{dev}");
    assert!(dev.contains("--bot-token <TOKEN>") && dev.contains("X-Bot-Token"), "{dev}");
}
