//! The programs beyond cargo that some tests run. A missing one fails the test that needs it with
//! how to install it: a check that cannot run must never pass as if it had.

use std::process::Command;

/// `promtool` (Prometheus' own linter), ready for its arguments. Panics, saying how to install
/// it, when it is not on `PATH` or does not run.
pub fn promtool() -> Command {
    match Command::new("promtool").arg("--version").output() {
        Ok(out) if out.status.success() => Command::new("promtool"),
        Ok(out) => panic!(
            "promtool --version failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!(
            "promtool could not be run ({e}), and this test needs it: run the tests with \
             scripts/test.sh, which installs it, or `apt-get install prometheus` (Debian's \
             package ships promtool)"
        ),
    }
}
