//! `fakehub`: run the fake Docker Hub as a process (for demos, benchmarks and out-of-process
//! tests). Prints one line of JSON describing the server, then serves until SIGTERM/SIGINT (or
//! until stdin reaches EOF with `--exit-on-stdin-eof`).

use std::io::{Read, Write};
use std::process::ExitCode;
use std::sync::mpsc;

use fakehub::{CertKind, Config, FakeHub};

const USAGE: &str =
    "usage: fakehub [--tokens N] [--inactive-every N] [--username U] [--password P] \
[--pat PAT] [--totp-code C] [--http] [--cert valid|expired|wrong-host|self-signed] [--port P] \
[--exit-on-stdin-eof]";

struct Args {
    config: Config,
    port: u16,
    exit_on_stdin_eof: bool,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut out = Args {
        config: Config::default(),
        port: 0,
        exit_on_stdin_eof: false,
    };
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        let number = |v: String| {
            v.parse::<usize>()
                .map_err(|_| format!("{flag}: not a number: {v:?}"))
        };
        match flag.as_str() {
            "--tokens" => out.config.tokens = number(value()?)?,
            "--inactive-every" => out.config.inactive_every = number(value()?)?,
            "--username" => out.config.username = value()?,
            "--password" => out.config.password = value()?,
            "--pat" => out.config.pat = value()?,
            "--totp-code" => out.config.totp_code = Some(value()?),
            "--port" => {
                let v = value()?;
                out.port = v
                    .parse()
                    .map_err(|_| format!("--port: not a port: {v:?}"))?;
            }
            "--cert" => {
                out.config.cert = match value()?.as_str() {
                    "valid" => CertKind::Valid,
                    "expired" => CertKind::Expired,
                    "wrong-host" => CertKind::WrongHost,
                    "self-signed" => CertKind::SelfSigned,
                    other => return Err(format!("--cert: unknown kind {other:?}")),
                }
            }
            "--http" if inline.is_none() => out.config.tls = false,
            "--exit-on-stdin-eof" if inline.is_none() => out.exit_on_stdin_eof = true,
            _ => return Err(format!("unknown argument {arg:?}")),
        }
    }
    Ok(out)
}

fn run() -> Result<(), String> {
    let args = std::env::args().skip(1).collect::<Vec<_>>();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return Ok(());
    }
    let args = parse_args(args.into_iter()).map_err(|e| format!("{e}\n{USAGE}"))?;

    // Register the signal handlers before anything can be told our pid.
    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
    ])
    .map_err(|e| format!("cannot install signal handlers: {e}"))?;

    let hub = FakeHub::start_on_port(args.config.clone(), args.port)
        .map_err(|e| format!("cannot start: {e}"))?;
    let line = serde_json::json!({
        "port": hub.port(),
        "url": hub.base_url(),
        "tokens_url": hub.tokens_url(),
        "login_url": hub.login_url(),
        "ca_path": hub.ca_path().to_string_lossy(),
        "jwt": hub.jwt(),
        "username": args.config.username,
        "password": args.config.password,
        "pat": args.config.pat,
        "tokens": args.config.tokens,
        "pid": std::process::id(),
    });
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .map_err(|e| format!("cannot write to stdout: {e}"))?;
    drop(stdout);

    let (tx, rx) = mpsc::channel::<()>();
    let on_signal = tx.clone();
    std::thread::spawn(move || {
        if signals.forever().next().is_some() {
            let _ = on_signal.send(());
        }
    });
    if args.exit_on_stdin_eof {
        std::thread::spawn(move || {
            let mut sink = [0u8; 1024];
            let mut stdin = std::io::stdin().lock();
            while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
            let _ = tx.send(());
        });
    }
    let _ = rx.recv();
    hub.stop();
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fakehub: {e}");
            ExitCode::FAILURE
        }
    }
}
