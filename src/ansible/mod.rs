//! The generic runtime of an Ansible binary module: read the args file, validate it
//! against the module's spec, run the module, print one masked result object.
//!
//! Nothing here knows about Docker Hub; any binary module of the collection uses it.

pub mod args;
pub mod convert;
pub mod mask;
pub mod params;
pub mod result;
pub mod spec;
pub mod validate;

use std::ffi::OsStr;
use std::io::Write;

use serde_json::{Map, Value};

pub use mask::Masker;
pub use params::Params;
pub use result::{Failure, Outcome};
pub use spec::{DefaultValue, Kind, ModuleSpec, OptionSpec};

/// What a module's code sees: its validated options, the run's flags, and a place to
/// put warnings and secrets learned at run time.
#[derive(Debug)]
pub struct Context {
    pub spec: &'static ModuleSpec,
    pub params: Params,
    pub check_mode: bool,
    warnings: Vec<String>,
    masker: Masker,
}

impl Context {
    pub fn new(spec: &'static ModuleSpec, params: Params, check_mode: bool) -> Self {
        let mut ctx = Context {
            spec,
            params,
            check_mode,
            warnings: Vec::new(),
            masker: Masker::default(),
        };
        for option in spec.options().filter(|o| o.no_log) {
            if let Some(value) = ctx.params.opt_str(option.name) {
                ctx.masker.add(value);
            }
        }
        ctx
    }

    /// A warning shown to the user (Ansible's `warnings` list).
    pub fn warn(&mut self, msg: impl Into<String>) {
        self.warnings.push(msg.into());
    }

    /// A value learned at run time that must never be printed.
    pub fn add_secret(&mut self, secret: &str) {
        self.masker.add(secret);
    }
}

/// A module's own work.
pub type ModuleFn = fn(&mut Context) -> Outcome;

/// The whole run, as a value: the masked result object and the exit code.
/// `main` prints it; tests call this directly.
pub fn execute(
    spec: &'static ModuleSpec,
    run: ModuleFn,
    args_path: Option<&OsStr>,
) -> (Value, i32) {
    let args = match args::read(args_path, spec.name) {
        Ok(args) => args,
        Err(msg) => return finish(Err(Failure::new(msg)), Vec::new(), None, &Masker::default()),
    };

    match validate::validate(spec, &args.options, args.ignore_unknown_opts) {
        Ok(valid) => {
            let mut ctx = Context::new(spec, valid.params, args.check_mode);
            ctx.warnings.extend(valid.warnings);
            let outcome = run(&mut ctx);
            let invocation = args.inject_invocation.then(|| ctx.params.to_json());
            finish(outcome, ctx.warnings, invocation, &ctx.masker)
        }
        Err(errors) => {
            let masker = raw_secrets(spec, &args.options);
            let user_args: Map<String, Value> = args
                .options
                .into_iter()
                .filter(|(key, _)| !key.starts_with("_ansible_"))
                .collect();
            let failure = Failure::new(errors.join("; ")).with("errors", errors);
            let invocation = args.inject_invocation.then_some(user_args);
            finish(Err(failure), Vec::new(), invocation, &masker)
        }
    }
}

fn finish(
    outcome: Outcome,
    warnings: Vec<String>,
    invocation: Option<Map<String, Value>>,
    masker: &Masker,
) -> (Value, i32) {
    let (out, failed) = result::assemble(outcome, warnings, invocation);
    (Value::Object(masker.mask_map(out)), i32::from(failed))
}

/// Secrets as given, before validation: every scalar inside a no_log option's value.
fn raw_secrets(spec: &ModuleSpec, options: &Map<String, Value>) -> Masker {
    fn collect(value: &Value, masker: &mut Masker) {
        match value {
            Value::String(s) => masker.add(s),
            Value::Number(n) => masker.add(&n.to_string()),
            Value::Array(items) => items.iter().for_each(|v| collect(v, masker)),
            Value::Object(map) => map.values().for_each(|v| collect(v, masker)),
            Value::Bool(_) | Value::Null => {}
        }
    }
    let mut masker = Masker::default();
    for option in spec.options().filter(|o| o.no_log) {
        if let Some(value) = options.get(option.name) {
            collect(value, &mut masker);
        }
    }
    masker
}

/// The entry point of a module binary.
pub fn main(spec: &'static ModuleSpec, run: ModuleFn) -> ! {
    install_panic_hook();
    let path = std::env::args_os().nth(1);
    let (result, code) = execute(spec, run, path.as_deref());
    print_result(&result);
    std::process::exit(code)
}

fn print_result(result: &Value) {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    // Nothing useful can be done if stdout is gone.
    let _ = serde_json::to_writer(&mut out, result)
        .map_err(std::io::Error::from)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
}

/// The last resort: a bug must still give Ansible a failure object, never a backtrace.
/// The panic's message is not shown: it could quote a secret.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        print_result(&internal_error(&place));
        std::process::exit(1);
    }));
}

fn internal_error(place: &str) -> Value {
    let failure = Failure::new(format!(
        "internal error{place}: the module stopped unexpectedly; please report this"
    ));
    Value::Object(result::assemble(Err(failure), Vec::new(), None).0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const OPTIONS: &[OptionSpec] = &[
        OptionSpec::new("token", Kind::Str).required().no_log(),
        OptionSpec::new("page", Kind::Int).default(DefaultValue::Int(1)),
    ];
    const SPEC: ModuleSpec = ModuleSpec {
        name: "demo",
        version: "0.0.0",
        option_groups: &[OPTIONS],
    };

    fn echo(ctx: &mut Context) -> Outcome {
        let mut out = Map::new();
        out.insert(
            "said".into(),
            json!(format!("token={}", ctx.params.str("token")?)),
        );
        out.insert("check_mode".into(), json!(ctx.check_mode));
        Ok(out)
    }

    fn fail_with_secret(ctx: &mut Context) -> Outcome {
        ctx.add_secret("ticket-123");
        Err(Failure::new(format!(
            "server said ticket-123 and {}",
            ctx.params.str("token")?
        )))
    }

    fn run_with(args: &str, run: ModuleFn) -> (Value, i32) {
        let path = std::env::temp_dir().join(format!(
            "mc-exec-{}-{:?}.json",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::File::create(&path)
            .unwrap()
            .write_all(args.as_bytes())
            .unwrap();
        let out = execute(&SPEC, run, Some(path.as_os_str()));
        std::fs::remove_file(&path).unwrap();
        out
    }

    #[test]
    fn success_is_masked_with_invocation() {
        let (out, code) = run_with(r#"{"token": "s3cr3t", "_ansible_check_mode": true}"#, echo);
        assert_eq!(code, 0);
        assert_eq!(
            out,
            json!({"changed": false, "said": "token=********", "check_mode": true,
                   "invocation": {"module_args": {"page": 1, "token": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"}}})
        );
    }

    #[test]
    fn invocation_left_out_when_refused() {
        let (out, _) = run_with(
            r#"{"token": "s", "_ansible_inject_invocation": false}"#,
            echo,
        );
        assert!(out.get("invocation").is_none());
    }

    #[test]
    fn runtime_secrets_are_masked() {
        let (out, code) = run_with(r#"{"token": "s3cr3t"}"#, fail_with_secret);
        assert_eq!(code, 1);
        assert_eq!(out["failed"], json!(true));
        assert_eq!(out["msg"], json!("server said ******** and ********"));
    }

    #[test]
    fn validation_failure_masks_raw_secrets() {
        let (out, code) = run_with(r#"{"token": ["s3cr3t", 42], "page": "x", "bad": 1}"#, echo);
        assert_eq!(code, 1);
        assert_eq!(out["failed"], json!(true));
        let text = out.to_string();
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(text.contains("Unsupported parameters"));
        assert!(text.contains("argument 'page'"));
        assert_eq!(out["errors"].as_array().unwrap().len(), 3);
        assert_eq!(
            out["invocation"]["module_args"]["token"],
            json!([
                "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER",
                "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
            ])
        );
    }

    #[test]
    fn the_panic_hook_prints_a_failure_without_the_panic_message() {
        let out = internal_error(" at src/x.rs:1");
        assert_eq!(
            out,
            json!({"failed": true, "changed": false,
                   "msg": "internal error at src/x.rs:1: the module stopped unexpectedly; please report this"})
        );
    }

    #[test]
    fn unreadable_args_file_fails_cleanly() {
        let (out, code) = execute(&SPEC, echo, None);
        assert_eq!(code, 1);
        assert_eq!(out["failed"], json!(true));
        assert!(out["msg"]
            .as_str()
            .unwrap()
            .starts_with("no args file given"));
    }
}
