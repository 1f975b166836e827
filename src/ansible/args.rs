//! The args file: the JSON object ansible-core writes and passes as argv[1].

use std::ffi::OsStr;
use std::fs::File;
use std::io::Read;

use serde_json::{Map, Value};

/// A real args file is a few hundred bytes; this leaves room for anything sane.
pub const MAX_ARGS_FILE_BYTES: u64 = 1024 * 1024;

/// The options plus what the controller says about the run (`_ansible_*` keys).
#[derive(Debug, Default)]
pub struct ArgsFile {
    /// Everything in the file, internal keys included (validation skips them).
    pub options: Map<String, Value>,
    pub check_mode: bool,
    pub ignore_unknown_opts: bool,
    /// `invocation` is returned unless the controller says it does not want it (2.21+).
    pub inject_invocation: bool,
}

/// Reads and parses the args file; `Err` is a message for the user.
pub fn read(path: Option<&OsStr>, module: &str) -> Result<ArgsFile, String> {
    let Some(path) = path else {
        return Err(format!(
            "no args file given: {module} is an Ansible module; run it through ansible, \
             or directly as '{module} ARGS_FILE' where ARGS_FILE holds a JSON object of options"
        ));
    };
    let shown = path.to_string_lossy();
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|file| file.take(MAX_ARGS_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read the args file '{shown}': {e}"))?;
    if bytes.len() as u64 > MAX_ARGS_FILE_BYTES {
        return Err(format!(
            "the args file '{shown}' is larger than {} KiB; it should hold a small JSON object of module options",
            MAX_ARGS_FILE_BYTES / 1024
        ));
    }
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|e| format!("the args file '{shown}' is not valid JSON: {e}"))?;
    let mut options = match value {
        Value::Object(map) => map,
        other => {
            return Err(format!(
                "the args file '{shown}' holds a JSON {}, not an object of module options",
                crate::json::kind_name(&other)
            ))
        }
    };
    // The shape Python modules take when run by hand; accepted for the same workflow.
    if let Some(Value::Object(inner)) = options.get("ANSIBLE_MODULE_ARGS") {
        if options.len() == 1 {
            options = inner.clone();
        }
    }
    let flag = |key: &str| match options.get(key) {
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::String(s)) => Some(matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "yes" | "1"
        )),
        _ => None,
    };
    Ok(ArgsFile {
        check_mode: flag("_ansible_check_mode").unwrap_or(false),
        ignore_unknown_opts: flag("_ansible_ignore_unknown_opts").unwrap_or(false),
        inject_invocation: flag("_ansible_inject_invocation").unwrap_or(true),
        options,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file_with(bytes: &[u8]) -> (std::path::PathBuf, impl Drop) {
        struct Cleanup(std::path::PathBuf);
        impl Drop for Cleanup {
            fn drop(&mut self) {
                let _ = std::fs::remove_file(&self.0);
            }
        }
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!("mc-args-{}-{n}.json", std::process::id()));
        std::fs::File::create(&path)
            .unwrap()
            .write_all(bytes)
            .unwrap();
        (path.clone(), Cleanup(path))
    }

    fn read_bytes(bytes: &[u8]) -> Result<ArgsFile, String> {
        let (path, _guard) = file_with(bytes);
        read(Some(path.as_os_str()), "m")
    }

    #[test]
    fn reads_options_and_internal_flags() {
        let args = read_bytes(
            br#"{"token": "x", "_ansible_check_mode": true, "_ansible_inject_invocation": false}"#,
        )
        .unwrap();
        assert!(args.check_mode);
        assert!(!args.inject_invocation);
        assert!(!args.ignore_unknown_opts);
        assert_eq!(args.options["token"], "x");
    }

    #[test]
    fn invocation_is_injected_unless_refused() {
        assert!(read_bytes(b"{}").unwrap().inject_invocation);
    }

    #[test]
    fn unwraps_the_python_module_shape() {
        let args = read_bytes(br#"{"ANSIBLE_MODULE_ARGS": {"page": 2}}"#).unwrap();
        assert_eq!(args.options["page"], 2);
    }

    #[test]
    fn explains_bad_files() {
        assert!(read(None, "m")
            .unwrap_err()
            .starts_with("no args file given"));
        let missing = read(Some(OsStr::new("/nonexistent/args")), "m").unwrap_err();
        assert!(
            missing.starts_with("cannot read the args file '/nonexistent/args'"),
            "{missing}"
        );
        assert!(read_bytes(b"{nope")
            .unwrap_err()
            .contains("is not valid JSON"));
        assert!(read_bytes(b"[1]")
            .unwrap_err()
            .contains("holds a JSON array"));
        assert!(read_bytes(b"").unwrap_err().contains("is not valid JSON"));
        assert!(read_bytes(b"\xff\xfe")
            .unwrap_err()
            .contains("is not valid JSON"));
        let big = vec![b' '; (MAX_ARGS_FILE_BYTES + 10) as usize];
        assert!(read_bytes(&big)
            .unwrap_err()
            .contains("is larger than 1024 KiB"));
    }
}
